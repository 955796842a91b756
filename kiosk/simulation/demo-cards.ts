import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { x509 } from '../../hardware/pki/x509';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import { readIssuerRecord } from '../../hardware/pki/issuer-record';
import { pkiPaths } from '../../hardware/pki/pki-layout';
import { PERSONAS } from '../../hardware/pki/personas';
import { openTestPki, type TestPki } from '../../hardware/pki/test-pki';
import { loadCardFile, saveCardFile } from '../../hardware/virtual-card/card-file';

/** The PINs every demo card is issued with (docs/test-pki.md): the only PINs the demo ever shows. */
export const DEMO_PINS: Readonly<{ auth: string; sign: string }> = DEFAULT_PINS;

export interface DemoPersona {
  name: string;
  description: string;
}

/** Every persona of the test PKI, in its order (healthy, sign-pin-blocked, …, non-jpki). */
export const DEMO_PERSONAS: readonly DemoPersona[] = PERSONAS.map(({ name, description }) => ({
  name,
  description,
}));

/**
 * The demo's virtual cards: one card file per persona under `DATA/demo-cards/`, issued from the
 * data directory's test PKI (the one the API trusts) the first time it is needed, re-issued on
 * request (a fresh card with the demo PINs after a reset changed them).
 */
export class DemoCards {
  readonly directory: string;
  private pki: Promise<TestPki> | undefined;
  /** One issue at a time: RSA key generation is slow and the PKI's files are shared. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataDir: string,
    private readonly now: () => number,
  ) {
    this.directory = join(dataDir, 'demo-cards');
  }

  /** The card file of `persona` (not necessarily issued yet). */
  pathOf(persona: string): string {
    if (!DEMO_PERSONAS.some((p) => p.name === persona)) throw new RangeError(`unknown persona ${persona}`);
    return join(this.directory, `${persona}.json`);
  }

  isIssued(persona: string): boolean {
    return existsSync(this.pathOf(persona));
  }

  /**
   * The card file of `persona`, issued first if it does not exist yet — or if its card is not on
   * the issuer record (issued by an earlier version, before the record existed: the API refuses
   * such a card, and a demo should not).
   */
  ensure(persona: string): Promise<string> {
    const path = this.pathOf(persona);
    return this.serialised(async () => {
      if (!existsSync(path) || !this.isOnIssuerRecord(path)) await this.issue(persona, path);
      return path;
    });
  }

  /** True when the card's certificates are on the issuer record (a card with none has nothing to record). */
  private isOnIssuerRecord(path: string): boolean {
    const der = loadCardFile(path).jpki?.authCertificate;
    if (der === undefined) return true;
    const record = readIssuerRecord(pkiPaths(this.dataDir).issuerRecord);
    return record.tokenSerialOf(new x509.X509Certificate(Buffer.from(der, 'base64'))) !== undefined;
  }

  /** Issues a fresh card for `persona` (new keys, certificates, the demo PINs), replacing the old file. */
  renew(persona: string): Promise<string> {
    const path = this.pathOf(persona);
    return this.serialised(async () => {
      await this.issue(persona, path);
      return path;
    });
  }

  private async issue(persona: string, path: string): Promise<void> {
    this.pki ??= openTestPki({ dataDir: this.dataDir, now: this.now });
    const card = await (await this.pki).issueCard({ persona });
    mkdirSync(this.directory, { recursive: true });
    saveCardFile(path, card);
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
