import { afterEach, describe, expect, it, vi } from 'vitest';
import { CardError } from '../card-error';
import type { ReaderEvent } from '../transport/card-transport';
import {
  SCARD_LEAVE_CARD,
  SCARD_PROTOCOL_T1,
  SCARD_RESET_CARD,
  SCARD_SHARE_SHARED,
} from './pcsclite-binding';
import { PcscCode } from './pcsc-errors';
import { PcscReaderSource, presenceEvents } from './pcsc-reader-source';
import { FakePcscLite, type FakeReader } from './testing/fake-pcsclite';

const ATR = Uint8Array.from([0x3b, 0xe0, 0x00, 0xff, 0x81, 0x31, 0xfe, 0x45, 0x14]);
const SELECT = Uint8Array.from([0x00, 0xa4, 0x04, 0x0c]);

interface Harness {
  fake: FakePcscLite;
  source: PcscReaderSource;
  events: ReaderEvent[];
  /** Resolves with the first event (already seen or still to come) that matches. */
  next(match: (event: ReaderEvent) => boolean): Promise<ReaderEvent>;
  reachable: { value: boolean };
}

const sources: PcscReaderSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
});

function harness(options: { reachable?: boolean; removalGraceMs?: number } = {}): Harness {
  const fake = new FakePcscLite();
  const reachable = { value: options.reachable ?? true };
  const source = new PcscReaderSource({
    createContext: fake.create,
    isServiceReachable: async () => reachable.value,
    retryIntervalMs: 1,
    closeWaitMs: 10,
    transport: { removalGraceMs: options.removalGraceMs ?? 1_000 },
  });
  sources.push(source);
  const events: ReaderEvent[] = [];
  const waiters: Array<() => void> = [];
  source.subscribe((event) => {
    events.push(event);
    for (const wake of waiters.splice(0)) wake();
  });
  const next = (match: (event: ReaderEvent) => boolean, from = 0): Promise<ReaderEvent> => {
    const found = events.slice(from).find(match);
    if (found) return Promise.resolve(found);
    const seen = events.length;
    return new Promise((resolve) => waiters.push(() => resolve(next(match, seen))));
  };
  return { fake, source, events, next, reachable };
}

async function readerWithCard(h: Harness, name = 'Reader A'): Promise<FakeReader> {
  h.source.start();
  await h.next((event) => event.type === 'service.available');
  const reader = h.fake.current.addReader(name);
  reader.insertCard(ATR);
  await h.next((event) => event.type === 'card.inserted' && event.reader === name);
  return reader;
}

function rejection(promise: Promise<unknown>): Promise<CardError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(CardError);
      return error as CardError;
    },
  );
}

describe('presenceEvents', () => {
  const known = { name: 'R', cardPresent: false, atr: undefined };

  it('reports an inserted card with its ATR as uppercase hex', () => {
    expect(presenceEvents(known, { state: 0x20, atr: Buffer.from(ATR) })).toEqual([
      { type: 'card.inserted', reader: 'R', atr: '3BE000FF8131FE4514' },
    ]);
  });

  it('reports removal, and nothing for a mute card', () => {
    const present = { name: 'R', cardPresent: true, atr: Buffer.from(ATR) };
    expect(presenceEvents(present, { state: 0x10 })).toEqual([{ type: 'card.removed', reader: 'R' }]);
    expect(presenceEvents(known, { state: 0x20 | 0x200, atr: Buffer.alloc(0) })).toEqual([]);
    expect(presenceEvents(present, { state: 0x20, atr: Buffer.from(ATR) })).toEqual([]);
  });

  it('reports a card swapped between two polls as a removal then an insertion', () => {
    const present = { name: 'R', cardPresent: true, atr: Buffer.from(ATR) };
    const other = Buffer.from([0x3b, 0x00]);
    expect(presenceEvents(present, { state: 0x20, atr: other })).toEqual([
      { type: 'card.removed', reader: 'R' },
      { type: 'card.inserted', reader: 'R', atr: '3B00' },
    ]);
  });
});

describe('PcscReaderSource', () => {
  it('reports the service, readers and cards, and lists them', async () => {
    const h = harness();
    await readerWithCard(h);
    expect(h.events.map((event) => event.type)).toEqual([
      'service.available',
      'reader.added',
      'card.inserted',
    ]);
    expect(h.source.readers()).toEqual([{ name: 'Reader A', cardPresent: true, atr: '3BE000FF8131FE4514' }]);
  });

  it('does not create a context while pcscd is unreachable, and does once it answers', async () => {
    const h = harness({ reachable: false });
    h.source.start();
    await h.next((event) => event.type === 'service.unavailable');
    expect(h.fake.contexts).toHaveLength(0);
    h.reachable.value = true;
    await h.next((event) => event.type === 'service.available');
    expect(h.fake.contexts).toHaveLength(1);
  });

  it('connects in shared mode with T=1 and transmits', async () => {
    const h = harness();
    const reader = await readerWithCard(h);
    reader.onTransmit = () => ({ response: Uint8Array.from([0x01, 0x90, 0x00]) });
    const transport = await h.source.connect('Reader A');
    expect(reader.connectOptions).toEqual({ share_mode: SCARD_SHARE_SHARED, protocol: SCARD_PROTOCOL_T1 });
    expect(transport.atr).toEqual(ATR);
    expect(await transport.transmit(SELECT)).toEqual(Uint8Array.from([0x01, 0x90, 0x00]));
  });

  it('rejects a transmit in flight with card-removed when the card leaves, and disconnects', async () => {
    const h = harness();
    const reader = await readerWithCard(h);
    reader.onTransmit = () => 'never';
    const transport = await h.source.connect('Reader A');
    const pending = rejection(transport.transmit(SELECT));
    reader.removeCard();
    expect((await pending).kind).toBe('card-removed');
    expect((await rejection(transport.transmit(SELECT))).kind).toBe('card-removed');
    reader.failStalled(PcscCode.notTransacted);
    await transport.whenReleased();
    expect(reader.disconnects).toEqual([SCARD_LEAVE_CARD]);
  });

  it('calls an ambiguous failure card-removed when the reader reports the removal soon after', async () => {
    const h = harness();
    const reader = await readerWithCard(h);
    reader.onTransmit = () => {
      setImmediate(() => reader.removeCard());
      return { pcscCode: PcscCode.notTransacted };
    };
    const transport = await h.source.connect('Reader A');
    expect((await rejection(transport.transmit(SELECT))).kind).toBe('card-removed');
  });

  it('calls an ambiguous failure a transport fault when the card stays', async () => {
    const h = harness({ removalGraceMs: 5 });
    const reader = await readerWithCard(h);
    reader.onTransmit = () => ({ pcscCode: PcscCode.notTransacted });
    const transport = await h.source.connect('Reader A');
    const error = await rejection(transport.transmit(SELECT));
    expect(error.kind).toBe('transport');
    expect(error.cause).toEqual({
      operation: 'SCardTransmit',
      code: PcscCode.notTransacted,
      codeName: 'notTransacted',
    });
  });

  it('treats a response without a status word as malformed while the card stays', async () => {
    const h = harness({ removalGraceMs: 5 });
    const reader = await readerWithCard(h);
    reader.onTransmit = () => ({ response: new Uint8Array(0) });
    const transport = await h.source.connect('Reader A');
    expect((await rejection(transport.transmit(SELECT))).kind).toBe('malformed-response');
  });

  it('treats a response without a status word as removal when the card leaves (vpcd on a dropped card)', async () => {
    const h = harness();
    const reader = await readerWithCard(h);
    reader.onTransmit = () => {
      setImmediate(() => reader.removeCard());
      return { response: new Uint8Array(0) };
    };
    const transport = await h.source.connect('Reader A');
    expect((await rejection(transport.transmit(SELECT))).kind).toBe('card-removed');
  });

  it('times out a mute card, poisons the session, and leaves its stuck reader open on stop', async () => {
    const h = harness();
    const reader = await readerWithCard(h);
    reader.onTransmit = () => 'never';
    const transport = await h.source.connect('Reader A');
    const timeout = await rejection(transport.transmit(SELECT, { timeoutMs: 10 }));
    expect(timeout.kind).toBe('timeout');
    expect(transport.state).toBe('poisoned');
    const after = await rejection(transport.transmit(SELECT));
    expect(after.kind).toBe('transport');
    expect(reader.commands).toHaveLength(1);
    await h.source.stop();
    expect(reader.closed).toBe(false);
    expect(h.fake.current.closed).toBe(true);
  });

  it('aborts on the signal, then sends the next command once the binding is free again', async () => {
    const h = harness();
    const reader = await readerWithCard(h);
    let answer: (() => void) | undefined;
    reader.onTransmit = () => {
      reader.onTransmit = () => ({ response: Uint8Array.from([0x90, 0x00]) });
      answer = () => reader.failStalled(PcscCode.notTransacted);
      return 'never';
    };
    const transport = await h.source.connect('Reader A');
    const controller = new AbortController();
    const aborted = rejection(transport.transmit(SELECT, { signal: controller.signal }));
    await vi.waitFor(() => expect(reader.commands).toHaveLength(1));
    controller.abort();
    expect((await aborted).kind).toBe('aborted');
    const next = transport.transmit(SELECT);
    answer?.();
    expect(await next).toEqual(Uint8Array.from([0x90, 0x00]));
    expect(reader.commands).toHaveLength(2);
  });

  it('maps connect failures: no T=1 is not a My Number Card, no card, no reader', async () => {
    const h = harness();
    const reader = await readerWithCard(h);
    reader.connectFailure = PcscCode.protoMismatch;
    expect((await rejection(h.source.connect('Reader A'))).kind).toBe('not-jpki');
    reader.removeCard();
    await h.next((event) => event.type === 'card.removed');
    expect((await rejection(h.source.connect('Reader A'))).kind).toBe('card-removed');
    expect((await rejection(h.source.connect('Reader Z'))).kind).toBe('reader-unavailable');
  });

  it('reports an unplugged reader and fails its session with reader-unavailable', async () => {
    const h = harness();
    await readerWithCard(h);
    const transport = await h.source.connect('Reader A');
    h.fake.current.unplug('Reader A');
    await h.next((event) => event.type === 'reader.removed');
    expect(h.events.slice(-2)).toEqual([
      { type: 'card.removed', reader: 'Reader A' },
      { type: 'reader.removed', reader: 'Reader A' },
    ]);
    expect((await rejection(transport.transmit(SELECT))).kind).toBe('reader-unavailable');
  });

  it('rebuilds the context after pcscd goes away, closing every reader before the old context', async () => {
    const h = harness();
    const reader = await readerWithCard(h);
    h.fake.current.addReader('Reader B');
    reader.onTransmit = () => 'never';
    const transport = await h.source.connect('Reader A');
    const pending = rejection(transport.transmit(SELECT));
    const first = h.fake.current;
    h.reachable.value = false;
    first.loseService(PcscCode.commError);
    expect((await pending).kind).toBe('reader-unavailable');
    await h.next((event) => event.type === 'service.unavailable');
    reader.failStalled(PcscCode.commError);
    h.reachable.value = true;
    await h.next((event) => event.type === 'service.available' && h.fake.contexts.length === 2);
    expect(h.fake.contexts).toHaveLength(2);
    expect(first.closed).toBe(true);
    const closeOrder = h.fake.journal.filter((line) => line.startsWith('close'));
    expect(closeOrder.at(-1)).toBe('close context');
    const types = h.events.map((event) => event.type);
    expect(types.slice(types.indexOf('service.unavailable'))).toEqual([
      'service.unavailable',
      'card.removed',
      'reader.removed',
      'reader.removed',
      'service.available',
    ]);
  });

  it('on stop, resets the card of an open session and closes every reader before the context', async () => {
    const h = harness();
    const reader = await readerWithCard(h);
    const other = h.fake.current.addReader('Reader B');
    await h.source.connect('Reader A');
    await h.source.stop();
    expect(reader.disconnects).toEqual([SCARD_RESET_CARD]);
    expect(reader.closed && other.closed).toBe(true);
    expect(h.fake.journal.at(-1)).toBe('close context');
  });

  it('refuses a second session on a reader that has one open', async () => {
    const h = harness();
    await readerWithCard(h);
    const first = await h.source.connect('Reader A');
    expect((await rejection(h.source.connect('Reader A'))).kind).toBe('transport');
    await first.close();
    await expect(h.source.connect('Reader A')).resolves.toBeDefined();
  });
});
