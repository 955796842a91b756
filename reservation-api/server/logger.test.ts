import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferedLogDestination, createApiLogger, LOG_FLUSH_MS } from './logger';

/** The API's buffered log lines: batched, yet never held longer than LOG_FLUSH_MS or past exit. */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function logFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'api-log-'));
  dirs.push(dir);
  return join(dir, 'api.log');
}
const linesOf = (file: string) => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

describe('buffered API log destination', () => {
  it('writes a short line out within the flush interval, though the 4 KB batch is not full', async () => {
    const file = logFile();
    const destination = bufferedLogDestination(file);
    const logger = createApiLogger({ destination });
    logger.info({ route: '/v1/reservations' }, 'request completed');
    // Bounded wait: the interval timer, not the batch size, must write it.
    const deadline = Date.now() + 20 * LOG_FLUSH_MS;
    while (linesOf(file).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, LOG_FLUSH_MS / 5));
    }
    expect(linesOf(file).map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
      'request completed',
    ]);
    destination.end();
  });

  it('writes buffered lines when the process exits at once (process.exit right after logging)', () => {
    const file = logFile();
    const script = [
      `import { bufferedLogDestination, createApiLogger } from ${JSON.stringify(join(import.meta.dirname, 'logger.ts'))};`,
      `const logger = createApiLogger({ destination: bufferedLogDestination(${JSON.stringify(file)}) });`,
      `for (let i = 0; i < 3; i += 1) logger.info({ i }, 'line');`,
      `process.exit(0);`,
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).toBe(0);
    expect(linesOf(file).map((line) => (JSON.parse(line) as { i: number }).i)).toEqual([0, 1, 2]);
  });
});
