import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock } from 'xstate';
import { loadIssuerMasterKey } from '../hardware/pki/pki-layout';
import { InProcessTransport } from '../hardware/transport/in-process-transport';
import { VirtualCard } from '../hardware/virtual-card/virtual-card';
import { type KioskRuntime, startKioskRuntime } from '../kiosk/runtime/kiosk-runtime';
import { PcscCardSession } from '../kiosk/runtime/pcsc-card-session';
import { attachPcscReader } from '../kiosk/runtime/pcsc-reader';
import { startPcscStack } from '../scripts/pcsc/pcscd-stack';
import { toViewModel } from '../state-machines/session';
import { benchClock, issueCardPool, nextPlan, type PooledCard } from '../test/leak/support/card-pool';
import { driveSession, plugDriverReader } from '../test/leak/support/kiosk-session-driver';
import { startVirtualCardProcess, type VirtualCardProcess } from '../test/support/virtual-card-process';
import { CountingTransport } from './support/counting-transport';
import { InstantKioskApi } from './support/instant-kiosk-api';
import { emit, progress } from './support/report';
import { percentile } from './support/stats';

/**
 * The kiosk session over the real PC/SC stack: kiosk runtime → PcscCardSession → pcsclite → the
 * project's pcscd (TCP_NODELAY shim) → vpcd → the virtual card in its own process (`npm run
 * virtual-card`, started for each placement and stopped to take the card), the API answered
 * in-process. (A card bridged to vpcd from this same process can deadlock when pcsclite blocks the
 * event loop while pcscd waits for the card.) The same sessions with the card in-process are the
 * baseline. Run by bench/pcsc.ts under `flock /tmp/pcscd.lock` (one pcscd per machine).
 * Usage: `node --import tsx bench/pcsc-session.ts SESSIONS`.
 */

const sessions = Number(process.argv[2] ?? 10);
const fixedPins = (() => {
  let n = 0;
  return {
    auth: () => String(1000 + (n += 1)).slice(-4),
    sign: () => `PCSC${String((n += 1)).padStart(8, '0')}`,
  };
})();

interface SessionFigures {
  /** session.start → idle again. */
  wallMs: number;
  /** First APDU sent → last APDU answered. */
  cardPhaseMs: number;
  apduMs: number[];
  apdus: number;
}

async function runSessions(
  kiosk: KioskRuntime,
  card: PooledCard,
  count: number,
  handling: (transports: CountingTransport[]) => Parameters<typeof driveSession>[1],
): Promise<SessionFigures[]> {
  const figures: SessionFigures[] = [];
  for (let i = 0; i < count; i += 1) {
    const plan = nextPlan(card, fixedPins);
    const transports: CountingTransport[] = [];
    const started = performance.now();
    const outcome = await driveSession(kiosk, handling(transports), plan, 30_000);
    if (process.env.BENCH_DEBUG) progress(`session ${i}: ${outcome.screens.join(' ')}`);
    const wallMs = performance.now() - started;
    if (outcome.result !== 'done') throw new Error(`session ended with ${outcome.result}`);
    plan.commit();
    await kiosk.deliverOutbox();
    const records = transports.flatMap((t) => t.records);
    const first = records[0];
    const last = records.at(-1);
    figures.push({
      wallMs,
      cardPhaseMs: first && last ? last.startedAt + last.ms - first.startedAt : 0,
      apduMs: records.map((r) => r.ms),
      apdus: records.length,
    });
  }
  return figures;
}

/** The pcscd lock may be held ~3 minutes at most: past this the run gives up (and stops pcscd). */
const RUN_LIMIT_MS = 140_000;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-pcsc-'));
  const stack = await startPcscStack({ readers: 2, log: (message) => progress(`pcscd: ${message}`) });
  // For the wrapper in bench/pcsc.ts: the pcscd to stop if this process has to be killed.
  if (stack.startedHere && process.env.PCSCD_PID_FILE)
    writeFileSync(process.env.PCSCD_PID_FILE, String(stack.pid));
  const giveUp = async (why: string) => {
    progress(`pcsc: ${why}; stopping pcscd`);
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(1);
  };
  const limit = setTimeout(() => void giveUp(`still running after ${RUN_LIMIT_MS / 1000} s`), RUN_LIMIT_MS);
  process.once('SIGINT', () => void giveUp('interrupted'));
  process.once('SIGTERM', () => void giveUp('terminated'));
  try {
    // Not Debian's default reader (35963): that is where a virtual card started by hand attaches.
    const reader = stack.readers.at(-1)!;
    const now = benchClock();
    const { cards } = await issueCardPool(dataDir, 1, now, () => ({ auth: '4711', sign: 'PCSC00000000' }));
    const card = cards[0]!;
    const api = new InstantKioskApi(loadIssuerMasterKey(dataDir), now);
    const start = (dir: string) => {
      mkdirSync(join(dataDir, dir), { recursive: true });
      return startKioskRuntime({
        api: api.asClient(),
        procedures: ['signature-pin', 'auth-pin'],
        dataDir: join(dataDir, dir),
        now,
        timers: new SimulatedClock(),
        tickMs: 3_600_000,
      });
    };

    // Baseline: the same sessions with the card in-process.
    progress(`pcsc: ${sessions} sessions with the card in-process (baseline)`);
    const local = await start('kiosk-local');
    plugDriverReader(local);
    const phaseOf = (kiosk: KioskRuntime) => () => toViewModel(kiosk.actor.getSnapshot()).screen;
    await runSessions(local, card, 2, () => () => new InProcessTransport(VirtualCard.fromFile(card.path)));
    const baseline = await runSessions(local, card, sessions, (transports) => () => {
      const transport = new CountingTransport(
        new InProcessTransport(VirtualCard.fromFile(card.path)),
        phaseOf(local),
      );
      transports.push(transport);
      return transport;
    });
    await local.close();

    progress(`pcsc: ${sessions} sessions over pcscd + vpcd (${reader.name}, port ${reader.port})`);
    const kiosk = await start('kiosk-pcsc');
    const attached = attachPcscReader(kiosk, {
      sourceOptions: { readerFilter: (name) => name === reader.name },
    });
    let transports: CountingTransport[] = [];
    kiosk.slot.useOpener((name, atr) => {
      const transport = new CountingTransport(
        new PcscCardSession(attached.source, name, atr),
        phaseOf(kiosk),
      );
      transports.push(transport);
      return transport;
    });
    let cardProcess: VirtualCardProcess | undefined;
    const handling = (into: CountingTransport[]) => {
      transports = into;
      return {
        place() {
          cardProcess = startVirtualCardProcess(card.path, reader.port);
        },
        async take() {
          await cardProcess?.stop();
        },
      };
    };
    const waitForReady = async () => {
      const deadline = Date.now() + 15_000;
      while (toViewModel(kiosk.actor.getSnapshot()).screen !== 'idle') {
        if (Date.now() > deadline) throw new Error('the PC/SC reader never became ready');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await waitForReady();
    await runSessions(kiosk, card, 2, handling);
    const pcsc = await runSessions(kiosk, card, sessions, handling);

    const p50 = (list: SessionFigures[], pick: (f: SessionFigures) => number) =>
      percentile(list.map(pick), 50);
    const apduP = (list: SessionFigures[], p: number) =>
      percentile(
        list.flatMap((f) => f.apduMs),
        p,
      );
    const common = { sessions, reader: reader.name };
    emit({
      name: 'kiosk.pcsc.card_phase_per_session.p50',
      value: p50(pcsc, (f) => f.cardPhaseMs),
      unit: 'ms',
      baseline: p50(baseline, (f) => f.cardPhaseMs),
      better: 'lower',
      note: 'first APDU sent to last APDU answered, API in-process; baseline: the card in-process',
      apdus_per_session: p50(pcsc, (f) => f.apdus),
      ...common,
    });
    emit({
      name: 'kiosk.pcsc.session_wall.p50',
      value: p50(pcsc, (f) => f.wallMs),
      unit: 'ms',
      baseline: p50(baseline, (f) => f.wallMs),
      better: 'lower',
      note: 'session.start to idle again: includes starting the virtual card process (tsx) for each placement and pcscd noticing the card placed and taken; baseline: the card in-process',
      ...common,
    });
    emit({
      name: 'kiosk.pcsc.per_apdu.p50',
      value: apduP(pcsc, 50),
      unit: 'ms',
      baseline: apduP(baseline, 50),
      better: 'lower',
      ...common,
    });
    emit({
      name: 'kiosk.pcsc.per_apdu.p99',
      value: apduP(pcsc, 99),
      unit: 'ms',
      baseline: apduP(baseline, 99),
      better: 'lower',
      ...common,
    });
  } finally {
    clearTimeout(limit);
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
// The PC/SC binding may keep handles open; the figures are out and pcscd is stopped.
process.exit(0);
