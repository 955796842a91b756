import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { type IssuerRecordIndex, parseIssuerRecord } from '../../hardware/pki/issuer-record';
import { pkiPaths } from '../../hardware/pki/pki-layout';
import type { TrustMaterial, TrustSource } from './trust-material';
import { x509 } from './x509';

/**
 * Trust material from the data directory the test PKI writes (docs/test-pki.md): the
 * authentication and signature CA certificates are the trust anchors, and each CA's CRL. Files are
 * re-read when they change (a revocation by `npm run card` shows up without a restart) and may
 * appear after the API started; until the anchors exist every certificate is untrusted. So is the
 * issuer record (`pki/issued-cards.jsonl`): a card issued after the API started is on record at
 * once; until the file exists no certificate is on record.
 *
 * Checking costs two stat calls per request, not five: the CA certificates and CRLs are only ever
 * replaced by a rename into the PKI directory (or the directory itself is placed by a rename), and
 * either changes the directory's inode or mtime — so their own versions are looked at only when the
 * directory's changed. The issuer record is appended to in place, so its own version is checked.
 */
export class DataDirTrust implements TrustSource {
  private readonly files: Record<'authCa' | 'signCa' | 'authCrl' | 'signCrl', WatchedFile<unknown>>;
  private readonly issuerRecord: WatchedFile<IssuerRecordIndex>;
  private readonly pkiDir: string;
  /** The PKI directory's version when the CA and CRL files were last looked at. */
  private pkiDirVersion: string | undefined;
  private static readonly EMPTY_RECORD = parseIssuerRecord('');

  constructor(
    dataDir: string,
    /** Told about a file that exists but cannot be parsed (the previous version stays in use). */
    private readonly onProblem: (message: string) => void = () => {},
  ) {
    const paths = pkiPaths(dataDir);
    this.pkiDir = dirname(paths.ca.auth.crl);
    const certificate = (der: Buffer) => new x509.X509Certificate(new Uint8Array(der));
    const crl = (der: Buffer) => new x509.X509Crl(new Uint8Array(der));
    this.files = {
      authCa: new WatchedFile(paths.ca.auth.certificate, certificate),
      signCa: new WatchedFile(paths.ca.sign.certificate, certificate),
      authCrl: new WatchedFile(paths.ca.auth.crl, crl),
      signCrl: new WatchedFile(paths.ca.sign.crl, crl),
    };
    this.issuerRecord = new WatchedFile(paths.issuerRecord, (bytes) =>
      parseIssuerRecord(bytes.toString('utf8'), (problem) =>
        this.onProblem(`${paths.issuerRecord}: ${problem}`),
      ),
    );
  }

  current(): TrustMaterial {
    const dirVersion = versionOf(this.pkiDir);
    const filesMayHaveChanged = dirVersion === undefined || dirVersion !== this.pkiDirVersion;
    this.pkiDirVersion = dirVersion;
    const read = <T>(file: WatchedFile<unknown>) =>
      (filesMayHaveChanged ? file.current(this.onProblem) : file.last) as T | undefined;
    const authCa = read<x509.X509Certificate>(this.files.authCa);
    const signCa = read<x509.X509Certificate>(this.files.signCa);
    const crls = [read<x509.X509Crl>(this.files.authCrl), read<x509.X509Crl>(this.files.signCrl)];
    return {
      authAnchors: authCa ? [authCa] : [],
      signAnchors: signCa ? [signCa] : [],
      intermediates: [],
      crls: crls.filter((crl): crl is x509.X509Crl => crl !== undefined),
      issuerRecord: this.issuerRecord.current(this.onProblem) ?? DataDirTrust.EMPTY_RECORD,
    };
  }

  /** True once both trust anchors are readable. */
  get ready(): boolean {
    const material = this.current();
    return material.authAnchors.length > 0 && material.signAnchors.length > 0;
  }
}

/** A path's version (inode, mtime and size), or undefined when it does not exist. */
function versionOf(path: string): string | undefined {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat ? `${stat.ino}:${stat.mtimeMs}:${stat.size}` : undefined;
}

/** A file parsed once per version. */
class WatchedFile<T> {
  private version = '';
  private value: T | undefined;

  constructor(
    private readonly path: string,
    private readonly parse: (bytes: Buffer) => T,
  ) {}

  /** The value as last read, without looking at the file. */
  get last(): T | undefined {
    return this.value;
  }

  current(onProblem: (message: string) => void): T | undefined {
    const version = versionOf(this.path);
    if (version === undefined || version === this.version) return this.value;
    this.version = version;
    try {
      this.value = this.parse(readFileSync(this.path));
    } catch (error) {
      onProblem(`${this.path} cannot be read: ${(error as Error).message}`);
    }
    return this.value;
  }
}
