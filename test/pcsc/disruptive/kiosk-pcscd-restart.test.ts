import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { DEFAULT_PINS } from '../../../hardware/pki/card-issue';
import { type KioskRuntime, startKioskRuntime } from '../../../kiosk/runtime/kiosk-runtime';
import { type AttachedPcscReader, attachPcscReader } from '../../../kiosk/runtime/pcsc-reader';
import { isAlive } from '../../../scripts/pcsc/pcscd-stack';
import { DEFAULT_TIMING, toViewModel } from '../../../state-machines/session';
import { type ApiHarness, startApiHarness } from '../../api/support/api-harness';
import { SessionDriver } from '../../kiosk/support/session-driver';
import { attachPcscStack, leaseAllReaders, type PcscStack, type ReaderLease } from '../../support/pcsc-stack';
import { startVirtualCardProcess, type VirtualCardProcess } from '../../support/virtual-card-process';

// pcscd killed in the middle of a customer session: the kiosk ends the session, goes out of
// service (heartbeat: reader unavailable), and comes back in service by itself when pcscd returns.

let lease: ReaderLease;
let stack: PcscStack;
let api: ApiHarness;
let kiosk: KioskRuntime;
let attached: AttachedPcscReader;
let card: VirtualCardProcess | undefined;
const timers = new SimulatedClock();

beforeAll(async () => {
  lease = await leaseAllReaders();
  stack = attachPcscStack();
  api = await startApiHarness();
  const registered = await api.addKiosk('seven-eleven');
  const [first] = lease.readers;
  if (!first) throw new Error('no reader leased');
  kiosk = await startKioskRuntime({
    api: registered.client,
    procedures: registered.procedures,
    dataDir: api.dataDir,
    now: api.clock.now,
    timers,
    tickMs: 3_600_000,
    readerName: first.name,
  });
  attached = attachPcscReader(kiosk, { sourceOptions: { retryIntervalMs: 100 } });
}, 60_000);

afterAll(async () => {
  await card?.stop();
  await attached?.stop();
  await kiosk?.close();
  await api?.close();
  lease?.release();
});

describe('kiosk runtime: pcscd killed and restarted mid-session', () => {
  it('ends the session, goes out of service with the reader unavailable, and returns to service', async () => {
    const [first] = lease.readers;
    if (!first) throw new Error('no reader leased');
    const driver = new SessionDriver(kiosk.actor);
    await driver.only('idle');
    const cardPath = await api.issueCard('sign-pin-blocked');
    await api.reserve(cardPath, 'signature-pin', DEFAULT_PINS.auth);
    driver.begin('signature-pin');
    card = startVirtualCardProcess(cardPath, first.port);
    await driver.only('enter-current-pin');

    const pid = stack.pid;
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(20);
    await driver.only('error');
    expect(toViewModel(kiosk.actor.getSnapshot()).error?.code).toMatch(/^(card-removed|reader-unavailable)$/);
    timers.increment(DEFAULT_TIMING.inactivityLimitMs);
    await driver.only('out-of-service');
    await expect.poll(() => kiosk.status().reader).toBe('unavailable');
    expect(kiosk.alerts()).toContain('reader-unavailable');

    await stack.restart();
    // The source rebuilds its context; the card process reconnects to the new vpcd by itself.
    await driver.only('idle', 'take-card');
    expect(kiosk.status()).toMatchObject({ reader: 'ready', alerts: [] });
    await card.stop();
    card = undefined;
    await driver.only('idle');
    expect(kiosk.status()).toMatchObject({ state: 'idle', reader: 'ready', cardPresent: false });
  });
});
