import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CardError } from '../../../hardware/card-error';
import { PcscReaderSource } from '../../../hardware/pcsc/pcsc-reader-source';
import { VpcdBridge, type VpcdCard } from '../../../hardware/virtual-card/vpcd-bridge';
import { isAlive, readStackState } from '../../../scripts/pcsc/pcscd-stack';
import { agreeableCard, muteCard } from '../../support/card-doubles';
import { attachPcscStack, leaseAllReaders, type PcscStack, type ReaderLease } from '../../support/pcsc-stack';
import { ReaderEventLog } from '../../support/reader-events';

// pcscd itself goes away: killed, stopped, restarted without a reader. These tests own pcscd
// (they lease every reader) and run after all other PC/SC tests, one file at a time.

const SELECT_JPKI = Uint8Array.from([
  0x00, 0xa4, 0x04, 0x0c, 0x0a, 0xd3, 0x92, 0xf0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
]);

let lease: ReaderLease;
let stack: PcscStack;
let source: PcscReaderSource;
let log: ReaderEventLog;
const bridges: VpcdBridge[] = [];

beforeAll(async () => {
  lease = await leaseAllReaders();
  stack = attachPcscStack();
  source = new PcscReaderSource({ retryIntervalMs: 100 });
  log = new ReaderEventLog(source);
  source.start();
  await log.waitFor((event) => event.type === 'service.available');
});

afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.disconnect()));
  // Every test leaves pcscd as it found it: running, with all its readers.
  const state = readStackState();
  if (!state || state.readers.length < lease.readers.length) await stack.restart();
});

afterAll(async () => {
  await source?.stop();
  lease?.release();
});

function reader(index: number) {
  const found = lease.readers[index];
  if (!found) throw new Error(`the stack has no reader #${index}`);
  return found;
}

async function insert(card: VpcdCard, index: number) {
  const { name, port } = reader(index);
  const inserted = log.next('card.inserted', name);
  const bridge = new VpcdBridge(card, {
    host: '127.0.0.1',
    port,
    reconnectDelayMs: 50,
    maxReconnectDelayMs: 200,
  });
  bridges.push(bridge);
  bridge.connect();
  await inserted;
  return { bridge, name };
}

async function failure(promise: Promise<unknown>): Promise<CardError> {
  const outcome = await promise.then(
    () => new Error('expected a failure'),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(CardError);
  return outcome as CardError;
}

async function killPcscd(): Promise<void> {
  const pid = stack.pid;
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(20);
}

describe('pcscd going away', () => {
  it('pcscd killed and restarted: service unavailable then available, and a new card session works', async () => {
    const { name } = await insert(agreeableCard(), 0);
    const before = await source.connect(name);
    expect([...(await before.transmit(SELECT_JPKI))]).toEqual([0x90, 0x00]);
    const from = log.events.length;

    await killPcscd();
    await log.waitFor((event) => event.type === 'service.unavailable', { from });
    expect((await failure(before.transmit(SELECT_JPKI))).kind).toBe('reader-unavailable');
    expect((await failure(source.connect(name))).kind).toBe('reader-unavailable');

    await stack.restart();
    // The card process reconnects to the new vpcd by itself; the source builds a new context.
    await log.waitFor((event) => event.type === 'card.inserted' && event.reader === name, { from });
    expect(log.typesFor(name, from)).toEqual([
      'service.unavailable',
      'card.removed',
      'reader.removed',
      'service.available',
      'reader.added',
      'card.inserted',
    ]);
    const after = await source.connect(name);
    expect([...(await after.transmit(SELECT_JPKI))]).toEqual([0x90, 0x00]);
    await after.close();
  });

  it('pcscd stopped under a stuck command: the command fails with reader-unavailable instead of hanging', async () => {
    const card = muteCard();
    const { name } = await insert(card, 1);
    const transport = await source.connect(name);
    const pending = failure(transport.transmit(SELECT_JPKI, { timeoutMs: 15_000 }));
    await expect.poll(() => card.commandsReceived).toBe(1);
    const from = log.events.length;
    await killPcscd();
    expect((await pending).kind).toBe('reader-unavailable');
    await log.waitFor((event) => event.type === 'service.unavailable', { from });
    expect(source.serviceAvailable).toBe(false);
    expect(source.readers()).toEqual([]);
  });

  it('a reader unplugged (pcscd back without it): reader.removed, its session and connect fail reader-unavailable', async () => {
    const unplugged = reader(0).name;
    const kept = lease.readers.find((candidate) => candidate.pair !== reader(0).pair);
    if (!kept) throw new Error('the stack needs two reader pairs for this test');
    const { name } = await insert(agreeableCard(), 0);
    const transport = await source.connect(name);
    const from = log.events.length;

    await stack.restart({ unplugged: [unplugged] });
    await log.waitFor((event) => event.type === 'reader.added' && event.reader === kept.name, { from });
    expect(log.typesFor(unplugged, from)).toEqual([
      'service.unavailable',
      'card.removed',
      'reader.removed',
      'service.available',
    ]);
    expect(source.readers().map((known) => known.name)).not.toContain(unplugged);
    expect((await failure(transport.transmit(SELECT_JPKI))).kind).toBe('reader-unavailable');
    expect((await failure(source.connect(unplugged))).kind).toBe('reader-unavailable');
  });
});
