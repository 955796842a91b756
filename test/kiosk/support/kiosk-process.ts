import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KioskChildConfig } from './kiosk-child';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CHILD = 'test/kiosk/support/kiosk-child.ts';

export interface KioskProcessRun {
  /** The first line starting with one of the awaited words (`STOPPED …`, `FINISHED …`). */
  line: string;
  output: string;
}

/**
 * Runs the kiosk child (`node --import tsx test/kiosk/support/kiosk-child.ts`) with `config` until it prints a
 * line starting with one of `words`, then SIGKILLs it (a crash) unless it exits by itself.
 * Bounded: fails with the child's output if no such line comes.
 */
export function runKioskProcess(
  config: KioskChildConfig,
  words: readonly string[],
  timeoutMs = 30_000,
): Promise<KioskProcessRun> {
  // Node itself with tsx's loader, not the tsx CLI: the CLI runs the script in a grandchild, so a
  // SIGKILL would hit only the wrapper and leave the kiosk running (no crash, and an orphan).
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(`${JSON.stringify(config)}\n`);
  let output = '';
  return new Promise<KioskProcessRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kiosk child printed none of ${words.join('/')} in time:\n${output}`));
    }, timeoutMs);
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => words.some((word) => candidate.startsWith(word)));
      if (!line) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      if (child.exitCode === null) child.kill('SIGKILL');
      void exited.then(() => resolve({ line, output }));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      if (!output.split('\n').some((candidate) => words.some((word) => candidate.startsWith(word)))) {
        clearTimeout(timer);
        reject(new Error(`kiosk child exited (${code}) before ${words.join('/')}:\n${output}`));
      }
    });
  });
}
