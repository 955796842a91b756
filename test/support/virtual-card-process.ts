import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The virtual card as its own process, started the way a user starts it
 * (`npm run virtual-card -- --card FILE --vpcd HOST:PORT`, i.e. tsx running the CLI), attached to
 * one vpcd reader. Its output is collected for assertions and failure messages.
 */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = `${REPO_ROOT}node_modules/.bin/tsx`;
const CLI = 'hardware/cli/virtual-card-cli.ts';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface VirtualCardProcess {
  readonly pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** Sends the signal (default SIGTERM: the card is taken out) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<ProcessExit>;
}

export function startVirtualCardProcess(
  cardFile: string,
  port: number,
  host = '127.0.0.1',
): VirtualCardProcess {
  const child: ChildProcess = spawn(TSX, [CLI, '--card', cardFile, '--vpcd', `${host}:${port}`], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  if (child.pid === undefined) throw new Error(`could not start ${TSX}`);
  const pid = child.pid;
  return {
    pid,
    exited,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
