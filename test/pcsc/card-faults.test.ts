import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CardError } from '../../hardware/card-error';
import { PcscReaderSource } from '../../hardware/pcsc/pcsc-reader-source';
import { VpcdBridge, type VpcdCard } from '../../hardware/virtual-card/vpcd-bridge';
import { agreeableCard, muteCard } from '../support/card-doubles';
import { leaseReaderPair, type ReaderLease } from '../support/pcsc-stack';
import { ReaderEventLog } from '../support/reader-events';

// Card faults over the real stack (pcscd + vpcd): the card goes mute or leaves mid-command.
// Card doubles are attached in-process through the vpcd bridge.

const SELECT_JPKI = Uint8Array.from([
  0x00, 0xa4, 0x04, 0x0c, 0x0a, 0xd3, 0x92, 0xf0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
]);

let lease: ReaderLease;
let source: PcscReaderSource;
let log: ReaderEventLog;
const bridges: VpcdBridge[] = [];

beforeAll(async () => {
  lease = await leaseReaderPair();
  const mine = new Set(lease.readers.map((reader) => reader.name));
  source = new PcscReaderSource({ readerFilter: (name) => mine.has(name) });
  log = new ReaderEventLog(source);
  source.start();
  await log.waitFor((event) => event.type === 'reader.added');
});

afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.disconnect()));
});

afterAll(async () => {
  await Promise.all(bridges.map((bridge) => bridge.disconnect()));
  await source?.stop();
  lease?.release();
});

async function insert(card: VpcdCard, slot: 0 | 1) {
  const reader = lease.readers[slot];
  if (!reader) throw new Error('leased pair has no such slot');
  const inserted = log.next('card.inserted', reader.name);
  const bridge = new VpcdBridge(card, { host: '127.0.0.1', port: reader.port });
  bridges.push(bridge);
  bridge.connect();
  const event = await inserted;
  return { bridge, reader: reader.name, event };
}

async function failure(promise: Promise<unknown>): Promise<CardError> {
  const outcome = await promise.then(
    () => new Error('expected the transmit to fail'),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(CardError);
  return outcome as CardError;
}

describe('card faults over pcscd + vpcd', () => {
  it('sees the card with the My Number Card ATR and talks to it', async () => {
    const { reader, event } = await insert(agreeableCard(), 0);
    expect(event).toEqual({ type: 'card.inserted', reader, atr: '3BE000FF8131FE4514' });
    const transport = await source.connect(reader);
    expect([...(await transport.transmit(SELECT_JPKI))]).toEqual([0x90, 0x00]);
    await transport.close();
  });

  it('a mute card fails the transmit with timeout at its deadline, then the session stays unusable', async () => {
    const card = muteCard();
    const { bridge, reader } = await insert(card, 1);
    const transport = await source.connect(reader);
    const timeout = await failure(transport.transmit(SELECT_JPKI, { timeoutMs: 1_000 }));
    expect(timeout.kind).toBe('timeout');
    expect(card.commandsReceived).toBe(1);
    expect((await failure(transport.transmit(SELECT_JPKI))).kind).toBe('transport');
    // Taking the mute card out frees the stuck call and the reader.
    const removed = log.next('card.removed', reader);
    await bridge.disconnect();
    await removed;
    await transport.whenReleased();
  });

  it('a card taken out in the middle of a command fails it with card-removed, not a hang', async () => {
    const card = muteCard();
    const { bridge, reader } = await insert(card, 0);
    const transport = await source.connect(reader);
    const pending = failure(transport.transmit(SELECT_JPKI, { timeoutMs: 15_000 }));
    await expect.poll(() => card.commandsReceived).toBe(1);
    await bridge.disconnect();
    expect((await pending).kind).toBe('card-removed');
    await log.waitFor((event) => event.type === 'card.removed' && event.reader === reader);
    expect((await failure(transport.transmit(SELECT_JPKI))).kind).toBe('card-removed');
  });
});
