import { createHash, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApduLogger } from '../apdu-log';
import { CardError } from '../card-error';
import { InProcessTransport } from '../transport/in-process-transport';
import { type CardFile, loadCardFile, saveCardFile } from '../virtual-card/card-file';
import {
  nonJpkiCardFile,
  TEST_AUTH_PIN,
  TEST_RESET_KEY_HEX,
  TEST_SIGN_PIN,
  TEST_TOKEN_SERIAL,
  testCardFile,
  type TestCardOptions,
} from '../virtual-card/testing/test-card-file';
import { VirtualCard } from '../virtual-card/virtual-card';
import { Fid, PIN_FILES, type PinKind } from './constants';
import { type CertificateKind, JpkiClient } from './jpki-client';
import { resetCryptogram } from './reset-crypto';

const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
const digestOf = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());

/** Captures every log line as JSON text, to search for leaked secrets. */
function capturingLogger(): ApduLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`) };
}

async function setup(options: TestCardOptions = {}, file?: CardFile) {
  const cardFile = file ?? (await testCardFile(options));
  const card = new VirtualCard(cardFile);
  const transport = new InProcessTransport(card);
  const logger = capturingLogger();
  const client = new JpkiClient(transport, { logger });
  return { cardFile, card, transport, logger, client };
}

/** The error a promise rejects with, asserted to be a CardError. */
async function cardErrorOf(promise: Promise<unknown>): Promise<CardError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CardError);
  return error as CardError;
}

/** The server's side of a reset: the cryptogram for the card's challenge. */
function cryptogramFor(kind: PinKind, challenge: Uint8Array): Uint8Array {
  return new Uint8Array(
    resetCryptogram(Buffer.from(TEST_RESET_KEY_HEX, 'hex'), PIN_FILES[kind].fid, challenge),
  );
}

describe('JpkiClient against the virtual card', () => {
  it('reads the token info: label without padding, serial as the card has it', async () => {
    const { client } = await setup();
    expect(await client.readTokenInfo()).toEqual({
      label: 'JPKIAPICCTOKEN2',
      tokenSerial: TEST_TOKEN_SERIAL,
    });
  });

  it('refuses a card without the JPKI application as not-jpki', async () => {
    const { client } = await setup({}, nonJpkiCardFile());
    const error = await cardErrorOf(client.selectApplication());
    expect(error.kind).toBe('not-jpki');
    expect(error.sw).toBe(0x6a82);
    expect((await cardErrorOf(client.pinStatus('auth'))).kind).toBe('not-jpki');
  });

  it('reports both PIN statuses, and still 63 Cx after a successful VERIFY', async () => {
    const { client } = await setup({ authTriesLeft: 2, signTriesLeft: 4 });
    expect(await client.pinStatus('auth')).toEqual({ triesLeft: 2, blocked: false });
    expect(await client.pinStatus('sign')).toEqual({ triesLeft: 4, blocked: false });
    await client.verifyPin('auth', ascii(TEST_AUTH_PIN));
    expect(await client.pinStatus('auth')).toEqual({ triesLeft: 3, blocked: false });
  });

  it('reads every certificate exactly (filler ignored); the signature one only after its PIN', async () => {
    const { client, cardFile } = await setup();
    const expected = (base64: string) => Buffer.from(base64, 'base64').toString('hex');
    const jpki = cardFile.jpki!;
    const read = async (kind: CertificateKind) =>
      Buffer.from(await client.readCertificate(kind)).toString('hex');
    expect(await read('auth')).toBe(expected(jpki.authCertificate));
    expect(await read('auth-ca')).toBe(expected(jpki.authCaCertificate));
    expect(await read('sign-ca')).toBe(expected(jpki.signCaCertificate));
    const refused = await cardErrorOf(client.readCertificate('sign'));
    expect(refused.kind).toBe('security-status-not-satisfied');
    expect(refused.sw).toBe(0x6982);
    await client.verifyPin('sign', ascii(TEST_SIGN_PIN));
    expect(await read('sign')).toBe(expected(jpki.signCertificate));
  });

  it.each<[PinKind, CertificateKind, string]>([
    ['auth', 'auth', TEST_AUTH_PIN],
    ['sign', 'sign', TEST_SIGN_PIN],
  ])(
    'signs with the %s key after VERIFY; the certificate key verifies it',
    async (kind, certificate, pin) => {
      const { client } = await setup();
      const refused = await cardErrorOf(client.sign(kind, digestOf('message')));
      expect(refused.kind).toBe('security-status-not-satisfied');
      await client.verifyPin(kind, ascii(pin));
      const signature = await client.sign(kind, digestOf('message'));
      expect(signature.length).toBe(256);
      const publicKey = new X509Certificate(await client.readCertificate(certificate)).publicKey;
      expect(verify('sha256', Buffer.from('message'), publicKey, signature)).toBe(true);
      expect(verify('sha256', Buffer.from('other'), publicKey, signature)).toBe(false);
    },
  );

  it.each<[PinKind, number, string]>([
    ['auth', 3, TEST_AUTH_PIN],
    ['sign', 5, TEST_SIGN_PIN],
  ])('blocks the %s PIN after %i misses with 63 Cx … 63 C0, then 69 84', async (kind, maxTries, rightPin) => {
    const { client } = await setup();
    const wrong = kind === 'auth' ? '9999' : 'WRONG99';
    for (let left = maxTries - 1; left >= 0; left -= 1) {
      const error = await cardErrorOf(client.verifyPin(kind, ascii(wrong)));
      expect([error.kind, error.sw, error.triesLeft]).toEqual(['wrong-pin', 0x63c0 | left, left]);
    }
    const blocked = await cardErrorOf(client.verifyPin(kind, ascii(rightPin)));
    expect([blocked.kind, blocked.sw, blocked.triesLeft]).toEqual(['pin-blocked', 0x6984, 0]);
    expect(await client.pinStatus(kind)).toEqual({ triesLeft: 0, blocked: true });
  });

  it('a right PIN restores the counter after misses', async () => {
    const { client } = await setup();
    await cardErrorOf(client.verifyPin('sign', ascii('WRONG99')));
    expect(await client.pinStatus('sign')).toEqual({ triesLeft: 4, blocked: false });
    await client.verifyPin('sign', ascii(TEST_SIGN_PIN));
    expect(await client.pinStatus('sign')).toEqual({ triesLeft: 5, blocked: false });
  });

  it('re-selecting the application clears verification', async () => {
    const { client } = await setup();
    await client.verifyPin('auth', ascii(TEST_AUTH_PIN));
    await client.selectApplication();
    expect((await cardErrorOf(client.sign('auth', digestOf('x')))).kind).toBe(
      'security-status-not-satisfied',
    );
  });

  describe('PIN change', () => {
    it('changes a verified PIN; the new one verifies and the old one no longer does', async () => {
      const { client } = await setup();
      await client.verifyPin('sign', ascii(TEST_SIGN_PIN));
      await client.changePin('sign', ascii('NEWPIN42'));
      await client.selectApplication();
      await client.verifyPin('sign', ascii('NEWPIN42'));
      expect((await cardErrorOf(client.verifyPin('sign', ascii(TEST_SIGN_PIN)))).kind).toBe('wrong-pin');
    });

    it('refuses without VERIFY (69 82) and a wrong format (6A 80)', async () => {
      const { client } = await setup();
      const unverified = await cardErrorOf(client.changePin('auth', ascii('5678')));
      expect([unverified.kind, unverified.sw]).toEqual(['security-status-not-satisfied', 0x6982]);
      await client.verifyPin('auth', ascii(TEST_AUTH_PIN));
      const format = await cardErrorOf(client.changePin('auth', ascii('12345')));
      expect([format.kind, format.sw]).toEqual(['wrong-data', 0x6a80]);
    });
  });

  describe('reset (DESIGN §3)', () => {
    it('resets a blocked signature PIN with the right cryptogram; the new PIN verifies', async () => {
      const { client, card } = await setup({ signTriesLeft: 0 });
      const challenge = await client.beginReset('sign');
      expect(challenge.length).toBe(8);
      await client.authorizeReset(cryptogramFor('sign', challenge));
      await client.resetRetryCounter('sign', ascii('RESET2024'));
      await client.verifyPin('sign', ascii('RESET2024'));
      expect(await client.pinStatus('sign')).toEqual({ triesLeft: 5, blocked: false });
      expect(card.state.jpki?.signPin).toEqual({ value: 'RESET2024', triesLeft: 5, maxTries: 5 });
    });

    it('resets the authentication PIN too', async () => {
      const { client } = await setup({ authTriesLeft: 1 });
      const challenge = await client.beginReset('auth');
      await client.authorizeReset(cryptogramFor('auth', challenge));
      await client.resetRetryCounter('auth', ascii('4321'));
      await client.verifyPin('auth', ascii('4321'));
      expect(await client.pinStatus('auth')).toEqual({ triesLeft: 3, blocked: false });
    });

    it('refuses a wrong cryptogram with 63 00, and a challenge serves one attempt only', async () => {
      const { client, card } = await setup();
      const challenge = await client.beginReset('sign');
      const refused = await cardErrorOf(client.authorizeReset(new Uint8Array(16)));
      expect([refused.kind, refused.sw]).toEqual(['reset-refused', 0x6300]);
      const reused = await cardErrorOf(client.authorizeReset(cryptogramFor('sign', challenge)));
      expect([reused.kind, reused.sw]).toEqual(['conditions-not-satisfied', 0x6985]);
      expect(card.state.jpki?.resetFailures).toBe(1);
    });

    it('a cryptogram for the other PIN file is refused', async () => {
      const { client } = await setup();
      const challenge = await client.beginReset('sign');
      expect((await cardErrorOf(client.authorizeReset(cryptogramFor('auth', challenge)))).sw).toBe(0x6300);
    });

    it('blocks the reset feature after 15 wrong cryptograms in a row (69 83), for good', async () => {
      const { client, card } = await setup();
      for (let attempt = 1; attempt <= 14; attempt += 1) {
        await client.beginReset('sign');
        expect((await cardErrorOf(client.authorizeReset(new Uint8Array(16)))).sw).toBe(0x6300);
      }
      await client.beginReset('sign');
      const fifteenth = await cardErrorOf(client.authorizeReset(new Uint8Array(16)));
      expect([fifteenth.kind, fifteenth.sw]).toEqual(['reset-blocked', 0x6983]);
      const after = await cardErrorOf(client.beginReset('sign'));
      expect([after.kind, after.sw]).toEqual(['reset-blocked', 0x6983]);
      expect(card.state.jpki?.resetFailures).toBe(15);
    });

    it('a right cryptogram clears the run of failures', async () => {
      const { client, card } = await setup({ resetFailures: 14 });
      const challenge = await client.beginReset('sign');
      await client.authorizeReset(cryptogramFor('sign', challenge));
      expect(card.state.jpki?.resetFailures).toBe(0);
    });

    it('refuses RESET RETRY COUNTER without EXTERNAL AUTHENTICATE (69 82)', async () => {
      const { client, card } = await setup({ signTriesLeft: 0 });
      await client.pinStatus('sign');
      const error = await cardErrorOf(client.resetRetryCounter('sign', ascii('RESET2024')));
      expect([error.kind, error.sw]).toEqual(['security-status-not-satisfied', 0x6982]);
      expect(card.state.jpki?.signPin.triesLeft).toBe(0);
    });

    it('re-SELECT of the application or the PIN file clears the authorisation', async () => {
      const { client, card } = await setup({ signTriesLeft: 0 });
      await client.authorizeReset(cryptogramFor('sign', await client.beginReset('sign')));
      await client.selectApplication();
      await client.pinStatus('sign');
      expect((await cardErrorOf(client.resetRetryCounter('sign', ascii('RESET2024')))).sw).toBe(0x6982);

      await client.authorizeReset(cryptogramFor('sign', await client.beginReset('sign')));
      await client.readTokenInfo();
      // The client will not send the PIN once another file is selected …
      const guarded = await cardErrorOf(client.resetRetryCounter('sign', ascii('RESET2024')));
      expect([guarded.kind, guarded.sw]).toEqual(['security-status-not-satisfied', undefined]);
      // … and selecting the PIN file again does not bring the authorisation back.
      await client.pinStatus('sign');
      expect((await cardErrorOf(client.resetRetryCounter('sign', ascii('RESET2024')))).sw).toBe(0x6982);
      expect(card.state.jpki?.signPin).toMatchObject({ value: TEST_SIGN_PIN, triesLeft: 0 });
    });

    it('a removed card loses the authorisation', async () => {
      const { client, transport } = await setup({ signTriesLeft: 0 });
      await client.authorizeReset(cryptogramFor('sign', await client.beginReset('sign')));
      transport.remove();
      expect((await cardErrorOf(client.pinStatus('sign'))).kind).toBe('card-removed');
      transport.insert();
      // The client forgot its selection after the fault; the card forgot the authorisation.
      await client.pinStatus('sign');
      expect((await cardErrorOf(client.resetRetryCounter('sign', ascii('RESET2024')))).sw).toBe(0x6982);
    });

    it('refuses a new PIN of the wrong format (6A 80) and keeps the authorisation for a valid one', async () => {
      const { client } = await setup({ signTriesLeft: 0 });
      await client.authorizeReset(cryptogramFor('sign', await client.beginReset('sign')));
      const error = await cardErrorOf(client.resetRetryCounter('sign', ascii('abc')));
      expect([error.kind, error.sw]).toEqual(['wrong-data', 0x6a80]);
      await client.resetRetryCounter('sign', ascii('GOOD1234'));
      await client.verifyPin('sign', ascii('GOOD1234'));
    });
  });

  describe('persistence', () => {
    let directory: string;
    beforeEach(() => {
      directory = mkdtempSync(join(tmpdir(), 'virtual-card-'));
    });
    afterEach(() => rmSync(directory, { recursive: true, force: true }));

    it('keeps counters, reset failures and a reset PIN in the card file', async () => {
      const path = join(directory, 'card.json');
      saveCardFile(path, await testCardFile());
      const first = new JpkiClient(new InProcessTransport(VirtualCard.fromFile(path)));
      await cardErrorOf(first.verifyPin('sign', ascii('WRONG99')));
      await first.beginReset('auth');
      await cardErrorOf(first.authorizeReset(new Uint8Array(16)));
      expect(loadCardFile(path).jpki).toMatchObject({ signPin: { triesLeft: 4 }, resetFailures: 1 });

      const second = new JpkiClient(new InProcessTransport(VirtualCard.fromFile(path)));
      expect(await second.pinStatus('sign')).toEqual({ triesLeft: 4, blocked: false });
      await second.authorizeReset(cryptogramFor('auth', await second.beginReset('auth')));
      await second.resetRetryCounter('auth', ascii('2468'));
      expect(loadCardFile(path).jpki).toMatchObject({
        authPin: { value: '2468', triesLeft: 3 },
        resetFailures: 0,
      });

      const third = new JpkiClient(new InProcessTransport(VirtualCard.fromFile(path)));
      await third.verifyPin('auth', ascii('2468'));
    });
  });

  describe('faults', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('a mute card ends in timeout at the deadline, not a hang', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { client, transport } = await setup();
      transport.mute();
      const status = cardErrorOf(client.pinStatus('auth'));
      await vi.advanceTimersByTimeAsync(5_000);
      expect((await status).kind).toBe('timeout');
    });

    it('honours a custom deadline', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const card = new VirtualCard(await testCardFile());
      const transport = new InProcessTransport(card);
      const client = new JpkiClient(transport, { timeoutMs: 200 });
      transport.mute();
      let settled = false;
      const status = cardErrorOf(client.pinStatus('auth')).finally(() => (settled = true));
      await vi.advanceTimersByTimeAsync(199);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect((await status).kind).toBe('timeout');
    });

    it('removal mid-command rejects with card-removed', async () => {
      const { client, transport } = await setup();
      await client.pinStatus('auth');
      transport.mute();
      const pending = cardErrorOf(client.verifyPin('auth', ascii(TEST_AUTH_PIN)));
      transport.remove();
      expect((await pending).kind).toBe('card-removed');
      expect((await cardErrorOf(client.pinStatus('auth'))).kind).toBe('card-removed');
    });

    it('an abort signal cancels the pending exchange and every later one', async () => {
      const { transport, card } = await setup();
      const controller = new AbortController();
      const client = new JpkiClient(transport, { signal: controller.signal });
      transport.mute();
      const pending = cardErrorOf(client.readTokenInfo());
      controller.abort();
      expect((await pending).kind).toBe('aborted');
      transport.unmute();
      expect((await cardErrorOf(client.readTokenInfo())).kind).toBe('aborted');
      // Another view of the same session with a live signal still works.
      const live = client.withSignal(new AbortController().signal);
      expect((await live.readTokenInfo()).tokenSerial).toBe(TEST_TOKEN_SERIAL);
      expect(card.state.jpki?.authPin.triesLeft).toBe(3);
    });

    it('after a timeout the client re-selects the application before going on', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { client, transport, logger } = await setup();
      await client.verifyPin('auth', ascii(TEST_AUTH_PIN));
      transport.mute();
      const lost = cardErrorOf(client.readCertificate('auth'));
      await vi.advanceTimersByTimeAsync(5_000);
      expect((await lost).kind).toBe('timeout');
      transport.unmute();
      logger.lines.length = 0;
      await client.readTokenInfo();
      expect(logger.lines[0]).toContain('00A4040C');
    });
  });

  describe('APDU log', () => {
    it('logs every APDU but never a PIN or a cryptogram', async () => {
      const { client, logger } = await setup({ signTriesLeft: 1 });
      const secrets = [TEST_AUTH_PIN, TEST_SIGN_PIN, 'WRONG99', 'RESET2024', 'NEWPIN42'];
      await client.verifyPin('auth', ascii(TEST_AUTH_PIN));
      await cardErrorOf(client.verifyPin('sign', ascii('WRONG99')));
      const challenge = await client.beginReset('sign');
      const cryptogram = cryptogramFor('sign', challenge);
      await client.authorizeReset(cryptogram);
      await client.resetRetryCounter('sign', ascii('RESET2024'));
      await client.verifyPin('sign', ascii('RESET2024'));
      await client.changePin('sign', ascii('NEWPIN42'));

      const text = logger.lines.join('\n');
      // SELECT AID, SELECT 0018, VERIFY; SELECT 001B, VERIFY; then one APDU each (no redundant SELECT).
      expect(logger.lines.length).toBe(10);
      for (const secret of secrets) {
        expect(text).not.toContain(secret);
        expect(text.toUpperCase()).not.toContain(Buffer.from(secret).toString('hex').toUpperCase());
      }
      expect(text.toUpperCase()).not.toContain(Buffer.from(cryptogram).toString('hex').toUpperCase());
      expect(text.toUpperCase()).not.toContain(Buffer.from(challenge).toString('hex').toUpperCase());
      expect(text).toContain('00200080 [masked]');
      expect(text).toContain('002C0280 [masked]');
      expect(text).toContain('00240180 [masked]');
      expect(text).toContain('00820000 [masked]');
    });
  });

  it('skips SELECTs that are already in effect', async () => {
    const { client, logger } = await setup();
    await client.pinStatus('auth');
    await client.verifyPin('auth', ascii(TEST_AUTH_PIN));
    await client.pinStatus('auth');
    const selects = logger.lines.filter((line) => line.includes('00A4'));
    expect(selects).toHaveLength(2);
    expect(Fid.authPin).toBe(0x0018);
  });
});
