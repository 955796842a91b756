import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The reservation API's real entry (`reservation-api/server/main.ts`, what `npm run api` runs) as a
 * child process on a fixed port and data directory, so a test can SIGKILL it at any moment and start
 * it again on the same SQLite file. Its clock is shifted (shifted-clock.ts) to the test's.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = 'reservation-api/server/main.ts';
const SHIFTED_CLOCK = fileURLToPath(new URL('./shifted-clock.ts', import.meta.url));
/** Starting (tsx compiling the entry on a loaded machine) must not take longer than this. */
const START_DEADLINE_MS = 45_000;

/** A TCP port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface ApiProcessOptions {
  dataDir: string;
  port: number;
  /**
   * The test's clock: the API process starts at its time and runs on from there. Handed over as an
   * instant, not an offset from the real clock: the test process may not be on the same real clock
   * (libfaketime shifts the test's, and the child gets a clean environment).
   */
  now: () => number;
  /** RESERVATION_API_* settings (see docs/api.md, Configuration). */
  env?: Record<string, string>;
}

export class ApiProcess {
  private child: ChildProcess | undefined;
  /** How many times the process was started. */
  starts = 0;
  readonly baseUrl: string;

  constructor(private readonly options: ApiProcessOptions) {
    this.baseUrl = `http://127.0.0.1:${options.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the entry and resolves once it logged that it listens (rejects if it exits first). */
  start(): Promise<void> {
    if (this.running) throw new Error('the API process is already running');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        SHIFTED_CLOCK,
        ENTRY,
        '--port',
        String(this.options.port),
        '--data',
        this.options.dataDir,
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env['PATH'],
          FAULT_CLOCK_START_MS: String(this.options.now()),
          RESERVATION_API_HOST: '127.0.0.1',
          ...this.options.env,
          // The start is recognised by the info line that says where it listens.
          RESERVATION_API_LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    this.starts += 1;
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => fail(new Error('the API did not start in time')), START_DEADLINE_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Reservation API listening on')) {
          cleanup();
          // Keep draining the pipes so the child never blocks on a full one.
          child.stdout!.resume();
          child.stderr!.resume();
          resolve();
        }
      };
      const onExit = (code: number | null) =>
        fail(new Error(`the API exited while starting (${code}): ${output.slice(-2000)}`));
      function cleanup() {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stderr!.off('data', onData);
        child.off('exit', onExit);
      }
      function fail(error: Error) {
        cleanup();
        child.kill('SIGKILL');
        reject(error);
      }
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', onExit);
    });
  }

  /** SIGKILL: no shutdown hook runs, no transaction gets to finish. Resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }
}
