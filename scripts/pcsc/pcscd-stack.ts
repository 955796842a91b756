import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isPcscdReachable, pcscdSocketPath } from '../../hardware/pcsc/pcscd-probe';

/**
 * Runs the project's own pcscd: no systemd, `pcscd --foreground` as our child with our reader
 * configuration (`--config DIR`), stopped by PID. The configuration gives several vpcd reader
 * pairs so parallel test files each get their own readers, and pcscd runs with the TCP_NODELAY
 * shim preloaded (see tcp-nodelay-shim.c). The stack's state (PID, readers) is kept in a file so a
 * pcscd started by hand (`npm run pcscd`) is recognised, and so a test process can restart it.
 * There is only one pcscd per machine (`/run/pcscd`).
 */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEFAULT_RUNTIME_DIR = process.env.PCSC_STACK_DIR ?? join(REPO_ROOT, 'scripts/build/pcscd');
/** vpcd's own default port; pair n listens on base + 2n and base + 2n + 1. */
export const VPCD_BASE_PORT = 35963;
/** pcsc-lite 1.9 has room for 16 readers; each vpcd entry brings two. */
export const MAX_READER_PAIRS = 6;
const PCSCD_PID_FILE = '/run/pcscd/pcscd.pid';
const DEBIAN_VPCD_CONFIG = '/etc/reader.conf.d/vpcd';
const DEFAULT_VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const SHIM_SOURCE = join(REPO_ROOT, 'scripts/pcsc/tcp-nodelay-shim.c');
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface VpcdReader {
  /** The PC/SC reader name, e.g. "Virtual PCD 00 00". */
  name: string;
  /** Where vpcd waits for this reader's card (127.0.0.1). */
  port: number;
  /** Which vpcd entry (driver instance) the reader belongs to. */
  pair: number;
}

export interface PcscStackState {
  pid: number;
  configDir: string;
  /** Number of reader pairs the stack was started with (a restart may leave some unplugged). */
  pairs: number;
  /** The readers pcscd has now. */
  readers: VpcdReader[];
  /** Whether the TCP_NODELAY shim is preloaded. */
  nodelay: boolean;
  logFile: string;
  startedAt: string;
}

export interface PcscStack {
  readonly pid: number;
  readonly readers: readonly VpcdReader[];
  /** False when an already running pcscd of this project was reused; `stop()` then leaves it running. */
  readonly startedHere: boolean;
  /** Stops pcscd by PID (whichever pcscd of this stack runs now, even after restarts). */
  stop(): Promise<void>;
  /** Stops and starts pcscd again, optionally without some readers (an unplugged reader). */
  restart(options?: { unplugged?: readonly string[] }): Promise<void>;
}

export interface StartPcscStackOptions {
  /** Readers wanted; rounded up to whole pairs. Default 4. */
  readers?: number;
  runtimeDir?: string;
  /** Progress messages for people (where the log is, why pcscd is reused...). */
  log?: (message: string) => void;
}

export class PcscStackError extends Error {
  override readonly name = 'PcscStackError';
}

/** The readers (two per vpcd entry) a stack with `pairs` pairs offers. */
export function planReaders(pairs: number, basePort = VPCD_BASE_PORT): VpcdReader[] {
  return Array.from({ length: pairs }, (_, pair) => {
    const friendlyName = pairFriendlyName(pair);
    return [0, 1].map((slot) => ({
      name: `${friendlyName} 00 0${slot}`,
      port: basePort + 2 * pair + slot,
      pair,
    }));
  }).flat();
}

/** Pair 0 keeps Debian's names and ports ("Virtual PCD 00 00" on 35963); the others are numbered. */
function pairFriendlyName(pair: number): string {
  return pair === 0 ? 'Virtual PCD' : `Virtual PCD ${pair + 1}`;
}

/** Starts the stack, or reuses this project's pcscd when one already runs with enough readers. */
export async function startPcscStack(options: StartPcscStackOptions = {}): Promise<PcscStack> {
  const runtimeDir = options.runtimeDir ?? DEFAULT_RUNTIME_DIR;
  const log = options.log ?? (() => {});
  const wantedPairs = Math.ceil((options.readers ?? 4) / 2);
  if (!Number.isInteger(wantedPairs) || wantedPairs < 1 || wantedPairs > MAX_READER_PAIRS) {
    throw new PcscStackError(
      `between 1 and ${MAX_READER_PAIRS * 2} readers, please (asked for ${options.readers})`,
    );
  }
  mkdirSync(runtimeDir, { recursive: true });
  return withStartLock(runtimeDir, async () => {
    const running = runningPcscd();
    if (running) {
      const state = readStackState(runtimeDir);
      if (!state || state.pid !== running.pid) {
        throw new PcscStackError(
          `pcscd is already running (PID ${running.pid}: ${running.args.join(' ')}), but not with this ` +
            `project's reader configuration. Only one pcscd can run on a machine: stop it (kill ${running.pid}) and try again.`,
        );
      }
      if (state.readers.length < wantedPairs * 2) {
        throw new PcscStackError(
          `this project's pcscd is already running (PID ${state.pid}) with ${state.readers.length} readers; ` +
            `${wantedPairs * 2} are needed. Stop it (npm run pcscd -- stop) and try again.`,
        );
      }
      log(`pcscd is already running (PID ${state.pid}, started earlier by this project); using its readers.`);
      return stackHandle(runtimeDir, false);
    }
    const state = await launchPcscd(runtimeDir, planReaders(wantedPairs), wantedPairs, log);
    log(`pcscd started (PID ${state.pid}) with ${state.readers.length} vpcd readers; log: ${state.logFile}`);
    return stackHandle(runtimeDir, true);
  });
}

/** The stack this project runs now (started here or elsewhere), from its state file. */
export function attachPcscStack(runtimeDir = DEFAULT_RUNTIME_DIR): PcscStack {
  const state = readStackState(runtimeDir);
  if (!state || !isAlive(state.pid)) throw new PcscStackError('this project has no pcscd running');
  return stackHandle(runtimeDir, false);
}

/** Stops this project's pcscd, if it runs; refuses to touch any other pcscd. */
export async function stopPcscStack(runtimeDir = DEFAULT_RUNTIME_DIR): Promise<number | undefined> {
  const state = readStackState(runtimeDir);
  if (!state) return undefined;
  if (isAlive(state.pid) && isOurPcscd(state.pid, state.configDir)) await stopProcess(state.pid);
  rmSync(stateFile(runtimeDir), { force: true });
  return state.pid;
}

export function readStackState(runtimeDir = DEFAULT_RUNTIME_DIR): PcscStackState | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile(runtimeDir), 'utf8')) as PcscStackState;
    return isAlive(state.pid) && isOurPcscd(state.pid, state.configDir) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** The pcscd running on this machine, if any, found through /proc (there is no service manager here). */
export function runningPcscd(): { pid: number; args: string[] } | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'pcscd' || !isAlive(pid)) continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      return { pid, args };
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

function stackHandle(runtimeDir: string, startedHere: boolean): PcscStack {
  let knownPairs = readStackState(runtimeDir)?.pairs ?? 2;
  const current = () => {
    const state = readStackState(runtimeDir);
    if (!state) throw new PcscStackError('this project has no pcscd running');
    knownPairs = state.pairs;
    return state;
  };
  return {
    get pid() {
      return current().pid;
    },
    get readers() {
      return current().readers;
    },
    startedHere,
    async stop() {
      if (startedHere) await stopPcscStack(runtimeDir);
    },
    async restart(options = {}) {
      const pairs = readStackState(runtimeDir)?.pairs ?? knownPairs;
      const unplugged = new Set(options.unplugged ?? []);
      const unpluggedPairs = new Set(
        planReaders(pairs)
          .filter((reader) => unplugged.has(reader.name))
          .map((reader) => reader.pair),
      );
      const readers = planReaders(pairs).filter((reader) => !unpluggedPairs.has(reader.pair));
      await withStartLock(runtimeDir, async () => {
        await stopPcscStack(runtimeDir);
        await launchPcscd(runtimeDir, readers, pairs, () => {});
      });
    },
  };
}

async function launchPcscd(
  runtimeDir: string,
  readers: VpcdReader[],
  pairs: number,
  log: (message: string) => void,
): Promise<PcscStackState> {
  const configDir = join(runtimeDir, 'reader.conf.d');
  writeReaderConfig(runtimeDir, configDir, readers);
  clearStaleRunFiles();
  const shim = buildNodelayShim(runtimeDir, log);
  const logFile = join(runtimeDir, 'pcscd.log');
  const logFd = openSync(logFile, 'a');
  writeSync(logFd, `--- ${new Date().toISOString()} pcscd --foreground --config ${configDir}\n`);
  const binary = existsSync('/usr/sbin/pcscd') ? '/usr/sbin/pcscd' : 'pcscd';
  // Default log level (errors only), never --apdu or --debug: those would write PINs to the log.
  const child = spawn(binary, ['--foreground', '--config', configDir], {
    stdio: ['ignore', logFd, logFd],
    // Own process group: Ctrl-C on a terminal reaches us, and we stop pcscd by PID.
    detached: true,
    env: { ...process.env, ...(shim ? { LD_PRELOAD: shim } : {}), VPCD_BIND_LOOPBACK: '1' },
  });
  closeSync(logFd);
  child.unref();
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (pid === undefined) {
    throw new PcscStackError(
      `could not start ${binary}: ${(await spawnError).message} (is pcscd installed?)`,
    );
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await isPcscdReachable())) {
    if (!isAlive(pid) || Date.now() > deadline) {
      if (isAlive(pid)) await stopProcess(pid);
      throw new PcscStackError(`pcscd did not start: ${lastLines(logFile, 5)} (full log: ${logFile})`);
    }
    await sleep(50);
  }
  const state: PcscStackState = {
    pid,
    configDir,
    pairs,
    readers,
    nodelay: shim !== undefined,
    logFile,
    startedAt: new Date().toISOString(),
  };
  const temp = `${stateFile(runtimeDir)}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, stateFile(runtimeDir));
  return state;
}

/**
 * A pcscd that was killed leaves its socket and PID file behind. pcscd removes them itself when
 * that PID is gone, but not while it is a zombie nobody has reaped yet: it then refuses to start.
 */
function clearStaleRunFiles(): void {
  let pid: number | undefined;
  try {
    pid = Number(readFileSync(PCSCD_PID_FILE, 'utf8').trim()) || undefined;
  } catch {
    return;
  }
  if ((pid !== undefined && isAlive(pid)) || runningPcscd()) return;
  rmSync(PCSCD_PID_FILE, { force: true });
  rmSync(pcscdSocketPath(), { force: true });
}

/**
 * One config entry per reader pair. Each entry loads its own copy of the vpcd driver: the driver
 * keeps its sockets in globals indexed by slot, so two entries sharing one loaded library would
 * overwrite each other (pcscd loads a library path once).
 */
function writeReaderConfig(runtimeDir: string, configDir: string, readers: VpcdReader[]): void {
  const driver = findVpcdDriver();
  const driverDir = join(runtimeDir, 'drivers');
  rmSync(configDir, { recursive: true, force: true });
  mkdirSync(configDir, { recursive: true });
  mkdirSync(driverDir, { recursive: true });
  for (const pair of new Set(readers.map((reader) => reader.pair))) {
    const first = readers.find((reader) => reader.pair === pair && reader.name.endsWith(' 00 00'));
    if (!first) continue;
    const copy = join(driverDir, `libifdvpcd-${pair}.so`);
    if (!existsSync(copy) || statSync(copy).size !== statSync(driver).size) copyFileSync(driver, copy);
    writeFileSync(
      join(configDir, `vpcd-${pair}`),
      [
        `FRIENDLYNAME "${pairFriendlyName(pair)}"`,
        // "/dev/null" as host: vpcd listens (server mode) on the port; slot 1 uses port + 1.
        `DEVICENAME   /dev/null:${first.port}`,
        `LIBPATH      ${copy}`,
        `CHANNELID    ${first.port}`,
        '',
      ].join('\n'),
    );
  }
}

/** Debian's package puts the driver path in /etc/reader.conf.d/vpcd; fall back to the usual place. */
function findVpcdDriver(): string {
  let configured: string | undefined;
  try {
    configured = /^\s*LIBPATH\s+(\S+)/m.exec(readFileSync(DEBIAN_VPCD_CONFIG, 'utf8'))?.[1];
  } catch {
    // Not installed the Debian way.
  }
  for (const candidate of [configured, DEFAULT_VPCD_DRIVER]) {
    if (candidate && existsSync(candidate)) return realpathSync(candidate);
  }
  throw new PcscStackError(
    'the vpcd reader driver is missing. Install it: apt-get install -y pcscd vsmartcard-vpcd (or run npm test as root)',
  );
}

/** Compiles the TCP_NODELAY shim when its source changed; without a C compiler pcscd runs without it (slower). */
function buildNodelayShim(runtimeDir: string, log: (message: string) => void): string | undefined {
  const output = join(runtimeDir, 'tcp-nodelay-shim.so');
  if (existsSync(output) && statSync(output).mtimeMs >= statSync(SHIM_SOURCE).mtimeMs) return output;
  const result = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', output, SHIM_SOURCE, '-ldl'], {
    encoding: 'utf8',
  });
  if (result.status === 0) return output;
  log(
    `warning: could not build the TCP_NODELAY shim (${result.error?.message ?? result.stderr.trim()}); ` +
      'pcscd runs without it and every APDU takes ~40 ms longer',
  );
  return undefined;
}

/** Serialises stack starts between processes (two test runs starting at once). */
async function withStartLock<T>(runtimeDir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(runtimeDir, 'start.lock');
  const deadline = Date.now() + READY_TIMEOUT_MS + STOP_TIMEOUT_MS;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const holder = readLockHolder(lock);
      if (holder === undefined || !isAlive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new PcscStackError(`another process (PID ${holder}) is starting pcscd`);
      await sleep(100);
    }
  }
  try {
    return await work();
  } finally {
    unlinkSync(lock);
  }
}

function readLockHolder(lock: string): number | undefined {
  try {
    return Number(readFileSync(lock, 'utf8')) || undefined;
  } catch {
    return undefined;
  }
}

function stateFile(runtimeDir: string): string {
  return join(runtimeDir, 'state.json');
}

function isOurPcscd(pid: number, configDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(configDir);
  } catch {
    return false;
  }
}

/** Alive and not a zombie (an orphaned pcscd may wait a while for someone to reap it). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function stopProcess(pid: number): Promise<void> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      break;
    }
    await sleep(20);
  }
  while (isAlive(pid)) await sleep(20);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

function lastLines(file: string, count: number): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-count).join(' | ');
  } catch {
    return '(no log)';
  }
}
