import { createHash, verify, X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CardError } from '../../hardware/card-error';
import { PIN_FILES, type PinKind } from '../../hardware/jpki/constants';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { deriveCardResetKey, resetCryptogram } from '../../hardware/jpki/reset-crypto';
import type { PcscCardTransport } from '../../hardware/pcsc/pcsc-card-transport';
import { PcscReaderSource } from '../../hardware/pcsc/pcsc-reader-source';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import { loadCardFile } from '../../hardware/virtual-card/card-file';
import { leaseReaderPair, type ReaderLease } from '../support/pcsc-stack';
import { ReaderEventLog } from '../support/reader-events';
import { copyOfTestCard, testIssuerMasterKey } from '../support/test-cards';
import { startVirtualCardProcess, type VirtualCardProcess } from '../support/virtual-card-process';

// The JPKI client over the real stack: JpkiClient → PcscCardTransport → pcscd → vpcd → the virtual
// card in its own process (the `npm run virtual-card` CLI), with a card issued by the test PKI.

const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
const digestOf = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());

let lease: ReaderLease;
let source: PcscReaderSource;
let log: ReaderEventLog;
let reader: { name: string; port: number };
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  lease = await leaseReaderPair();
  const [first] = lease.readers;
  if (!first) throw new Error('no reader leased');
  reader = first;
  source = new PcscReaderSource({ readerFilter: (name) => name === reader.name });
  log = new ReaderEventLog(source);
  source.start();
  await log.waitFor((event) => event.type === 'reader.added');
  // Issue (or reuse) the template now, so no test pays for it within its own timeout.
  (await copyOfTestCard('healthy')).dispose();
}, 60_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await source?.stop();
  lease?.release();
});

interface Session {
  cardPath: string;
  card: VirtualCardProcess;
  transport: PcscCardTransport;
  client: JpkiClient;
}

/** Starts the card process on a fresh copy of the healthy card and opens a session with it. */
async function insertHealthyCard(): Promise<Session> {
  const copy = await copyOfTestCard('healthy');
  cleanups.push(() => copy.dispose());
  return insertCard(copy.path);
}

async function insertCard(cardPath: string): Promise<Session> {
  const inserted = log.next('card.inserted', reader.name);
  const card = startVirtualCardProcess(cardPath, reader.port);
  cleanups.push(async () => {
    await removeCard(card);
  });
  const event = await inserted.catch((error: Error) => {
    throw new Error(`${error.message}\ncard process output:\n${card.output()}`);
  });
  expect(event).toEqual({ type: 'card.inserted', reader: reader.name, atr: '3BE000FF8131FE4514' });
  const transport = await source.connect(reader.name);
  cleanups.push(() => transport.close());
  return { cardPath, card, transport, client: new JpkiClient(transport) };
}

/** SIGTERMs the card process (the card is taken out) and waits until the reader saw it go. */
async function removeCard(card: VirtualCardProcess) {
  const present = source.readers().find((known) => known.name === reader.name)?.cardPresent;
  const removed = present ? log.next('card.removed', reader.name) : Promise.resolve();
  const exit = await card.stop();
  await removed;
  return exit;
}

async function cardErrorOf(promise: Promise<unknown>): Promise<CardError> {
  const error: unknown = await promise.then(
    () => new Error('expected a CardError'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CardError);
  return error as CardError;
}

/** Every wrong VERIFY until the PIN blocks: the status words and tries left the card answered. */
async function missUntilBlocked(client: JpkiClient, kind: PinKind, wrongPin: string) {
  const answers: Array<{ kind: string; sw?: number; triesLeft?: number }> = [];
  for (let attempt = 0; attempt <= PIN_FILES[kind].maxTries; attempt += 1) {
    const error = await cardErrorOf(client.verifyPin(kind, ascii(wrongPin)));
    answers.push({ kind: error.kind, sw: error.sw, triesLeft: error.triesLeft });
  }
  return answers;
}

describe('JPKI over pcscd + vpcd with the virtual card process', () => {
  it('reads both PIN statuses, verifies the auth PIN, reads the certificates and signs with both keys', async () => {
    const { client } = await insertHealthyCard();
    expect(await client.pinStatus('auth')).toEqual({ triesLeft: 3, blocked: false });
    expect(await client.pinStatus('sign')).toEqual({ triesLeft: 5, blocked: false });

    await client.verifyPin('auth', ascii(DEFAULT_PINS.auth));
    const authCertificate = new X509Certificate(await client.readCertificate('auth'));
    const authCa = new X509Certificate(await client.readCertificate('auth-ca'));
    expect(authCertificate.verify(authCa.publicKey)).toBe(true);
    const message = digestOf('jpki-pin-reset/kiosk\nnonce');
    const authSignature = await client.sign('auth', message);
    expect(
      verify('sha256', Buffer.from('jpki-pin-reset/kiosk\nnonce'), authCertificate.publicKey, authSignature),
    ).toBe(true);

    // The signature certificate needs the signature PIN.
    expect((await cardErrorOf(client.readCertificate('sign'))).kind).toBe('security-status-not-satisfied');
    await client.verifyPin('sign', ascii(DEFAULT_PINS.sign));
    const signCertificate = new X509Certificate(await client.readCertificate('sign'));
    const signCa = new X509Certificate(await client.readCertificate('sign-ca'));
    expect(signCertificate.verify(signCa.publicKey)).toBe(true);
    const signSignature = await client.sign('sign', digestOf('document'));
    expect(verify('sha256', Buffer.from('document'), signCertificate.publicKey, signSignature)).toBe(true);
    expect(verify('sha256', Buffer.from('document'), authCertificate.publicKey, signSignature)).toBe(false);
  });

  it('blocks the auth PIN after 3 misses (63 C2, 63 C1, 63 C0, then 69 84) and the file remembers', async () => {
    const { client, card, cardPath } = await insertHealthyCard();
    expect(await missUntilBlocked(client, 'auth', '0000')).toEqual([
      { kind: 'wrong-pin', sw: 0x63c2, triesLeft: 2 },
      { kind: 'wrong-pin', sw: 0x63c1, triesLeft: 1 },
      { kind: 'wrong-pin', sw: 0x63c0, triesLeft: 0 },
      { kind: 'pin-blocked', sw: 0x6984, triesLeft: 0 },
    ]);
    expect(await client.pinStatus('auth')).toEqual({ triesLeft: 0, blocked: true });
    expect((await cardErrorOf(client.verifyPin('auth', ascii(DEFAULT_PINS.auth)))).kind).toBe('pin-blocked');
    expect(await removeCard(card)).toEqual({ code: 0, signal: null });
    expect(loadCardFile(cardPath).jpki?.authPin.triesLeft).toBe(0);
    expect(loadCardFile(cardPath).jpki?.signPin.triesLeft).toBe(5);
  });

  it('blocks the signature PIN after 5 misses (63 C4 … 63 C0, then 69 84)', async () => {
    const { client } = await insertHealthyCard();
    expect(await missUntilBlocked(client, 'sign', 'WRONG1')).toEqual([
      { kind: 'wrong-pin', sw: 0x63c4, triesLeft: 4 },
      { kind: 'wrong-pin', sw: 0x63c3, triesLeft: 3 },
      { kind: 'wrong-pin', sw: 0x63c2, triesLeft: 2 },
      { kind: 'wrong-pin', sw: 0x63c1, triesLeft: 1 },
      { kind: 'wrong-pin', sw: 0x63c0, triesLeft: 0 },
      { kind: 'pin-blocked', sw: 0x6984, triesLeft: 0 },
    ]);
    expect(await client.pinStatus('sign')).toEqual({ triesLeft: 0, blocked: true });
    expect(await client.pinStatus('auth')).toEqual({ triesLeft: 3, blocked: false });
  });

  it('resets a blocked signature PIN with the server cryptogram (DESIGN §3), and the new PIN survives the process', async () => {
    const first = await insertHealthyCard();
    await missUntilBlocked(first.client, 'sign', 'WRONG1');
    const { tokenSerial } = await first.client.readTokenInfo();
    const cardKey = deriveCardResetKey(testIssuerMasterKey(), tokenSerial);

    // A wrong cryptogram is refused with 63 00 and uses up the challenge.
    const wasted = await first.client.beginReset('sign');
    const refused = await cardErrorOf(first.client.authorizeReset(new Uint8Array(16)));
    expect(refused).toMatchObject({ kind: 'reset-refused', sw: 0x6300 });
    const reused = await cardErrorOf(
      first.client.authorizeReset(resetCryptogram(cardKey, PIN_FILES.sign.fid, wasted)),
    );
    expect(reused).toMatchObject({ kind: 'conditions-not-satisfied', sw: 0x6985 });

    const challenge = await first.client.beginReset('sign');
    expect(challenge).toHaveLength(8);
    await first.client.authorizeReset(resetCryptogram(cardKey, PIN_FILES.sign.fid, challenge));
    await first.client.resetRetryCounter('sign', ascii('NEWPIN42'));
    await first.client.verifyPin('sign', ascii('NEWPIN42'));
    expect(await first.client.pinStatus('sign')).toEqual({ triesLeft: 5, blocked: false });
    expect(await removeCard(first.card)).toEqual({ code: 0, signal: null });
    expect(loadCardFile(first.cardPath).jpki?.signPin).toMatchObject({ value: 'NEWPIN42', triesLeft: 5 });

    // The same card file in a new card process: the old PIN is gone, the new one works.
    const second = await insertCard(first.cardPath);
    expect((await cardErrorOf(second.client.verifyPin('sign', ascii(DEFAULT_PINS.sign)))).kind).toBe(
      'wrong-pin',
    );
    await second.client.verifyPin('sign', ascii('NEWPIN42'));
  });

  it('a reset without EXTERNAL AUTHENTICATE is refused with 69 82 and changes nothing', async () => {
    const { client, cardPath } = await insertHealthyCard();
    await client.beginReset('auth');
    const error = await cardErrorOf(client.resetRetryCounter('auth', ascii('9999')));
    expect(error).toMatchObject({ kind: 'security-status-not-satisfied', sw: 0x6982 });
    await client.verifyPin('auth', ascii(DEFAULT_PINS.auth));
    expect(loadCardFile(cardPath).jpki?.authPin.value).toBe(DEFAULT_PINS.auth);
  });

  it('card process SIGTERMed mid-session: card.removed, transmits fail card-removed, the process exits cleanly', async () => {
    const { client, card, transport } = await insertHealthyCard();
    await client.verifyPin('auth', ascii(DEFAULT_PINS.auth));
    const removed = log.next('card.removed', reader.name);
    expect(await card.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    await removed;
    expect(transport.state).toBe('card-removed');
    expect((await cardErrorOf(client.pinStatus('auth'))).kind).toBe('card-removed');
    expect(card.output()).toContain('card removed');
  });
});
