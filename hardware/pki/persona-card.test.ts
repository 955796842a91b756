import { createHash, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardError } from '../card-error';
import { PIN_FILES } from '../jpki/constants';
import { JpkiClient } from '../jpki/jpki-client';
import { resetCryptogram, deriveCardResetKey } from '../jpki/reset-crypto';
import { InProcessTransport } from '../transport/in-process-transport';
import { VirtualCard } from '../virtual-card/virtual-card';
import { DEFAULT_PINS } from './card-issue';
import { loadIssuerMasterKey } from './pki-layout';
import { type TestPki, openTestPki } from './test-pki';

/**
 * Issued persona cards in the virtual card, driven by the JPKI client: what the kiosk and the
 * phone step will meet. The reset uses only what the API has: the master key from the data
 * directory and the serial the card reports.
 */

const NOW = Date.UTC(2025, 5, 15, 3, 0, 0);
const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

let dataDir: string;
let pki: TestPki;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'persona-card-'));
  pki = await openTestPki({ dataDir, now: () => NOW });
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function insert(persona: string) {
  const card = await pki.issueCard({ persona });
  return { card, client: new JpkiClient(new InProcessTransport(new VirtualCard(card))) };
}

describe('persona cards in the virtual card', () => {
  it('a signature-PIN-blocked card: serial, counters, certificate and an auth signature that verifies', async () => {
    const { card, client } = await insert('sign-pin-blocked');
    await client.selectApplication();
    expect(await client.readTokenInfo()).toEqual({
      label: 'JPKIAPICCTOKEN2',
      tokenSerial: card.jpki!.tokenSerial,
    });
    expect(await client.pinStatus('sign')).toEqual({ triesLeft: 0, blocked: true });
    expect(await client.pinStatus('auth')).toEqual({ triesLeft: 3, blocked: false });
    const authDer = await client.readCertificate('auth');
    expect(Buffer.from(authDer).toString('base64')).toBe(card.jpki!.authCertificate);

    await client.verifyPin('auth', ascii(DEFAULT_PINS.auth));
    const digest = createHash('sha256').update('jpki-pin-reset/reserve\nnonce').digest();
    const signature = await client.sign('auth', new Uint8Array(digest));
    const publicKey = new X509Certificate(authDer).publicKey;
    expect(verify('sha256', Buffer.from('jpki-pin-reset/reserve\nnonce'), publicKey, signature)).toBe(true);
  });

  it('resets the blocked signature PIN with a cryptogram from the data directory master key', async () => {
    const { client } = await insert('sign-pin-blocked');
    await client.selectApplication();
    const { tokenSerial } = await client.readTokenInfo();
    const challenge = await client.beginReset('sign');
    const cardKey = deriveCardResetKey(loadIssuerMasterKey(dataDir), tokenSerial);
    await client.authorizeReset(new Uint8Array(resetCryptogram(cardKey, PIN_FILES.sign.fid, challenge)));
    await client.resetRetryCounter('sign', ascii('NEWPIN42'));
    await client.verifyPin('sign', ascii('NEWPIN42'));
    expect(await client.pinStatus('sign')).toEqual({ triesLeft: 5, blocked: false });
  });

  it('a card of another data directory refuses that cryptogram', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'persona-card-other-'));
    try {
      const other = await openTestPki({ dataDir: otherDir, now: () => NOW });
      const card = await other.issueCard({ persona: 'sign-pin-blocked' });
      const client = new JpkiClient(new InProcessTransport(new VirtualCard(card)));
      await client.selectApplication();
      const challenge = await client.beginReset('sign');
      const wrongKey = deriveCardResetKey(loadIssuerMasterKey(dataDir), card.jpki!.tokenSerial);
      const refused = await client
        .authorizeReset(new Uint8Array(resetCryptogram(wrongKey, PIN_FILES.sign.fid, challenge)))
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(CardError);
      expect((refused as CardError).sw).toBe(0x6300);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('the non-JPKI card has no JPKI application', async () => {
    const { client } = await insert('non-jpki');
    const refused = await client.selectApplication().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CardError);
    expect((refused as CardError).kind).toBe('not-jpki');
  });
});
