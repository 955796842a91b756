import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOps } from '../../reservation-api/admin/ops-commands';
import { API_PATHS } from '../../reservation-api/contract';
import { checkAckAfterSync } from './support/ack-after-sync';
import { freePort } from './support/api-process';

/**
 * Power-cut durability at the level the kernel sees it. The real API entry runs under
 * `strace -f`; durable writes (dashboard logins and logouts: each commits a row and is answered
 * 200) are sent one at a time; then the system-call log must show, for every answer, an fdatasync
 * of the WAL that started after that answer's WAL write and finished before its first byte went
 * to the socket. With group commit the sync runs on another thread, so this is what could go
 * wrong unnoticed: the process-kill tests pass even if an answer overtakes its sync.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ROUNDS = 4;
/** tsx compiling the entry under strace on a loaded 2-core machine. */
const START_DEADLINE_MS = 60_000;

let dir: string;
let strace: ChildProcess | undefined;
let baseUrl: string;
let token: string;
const tracePath = () => join(dir, 'api.strace');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ack-order-'));
  const out: string[] = [];
  const io = { out: (line: string) => void out.push(line), err: () => {} };
  const database = join(dir, 'reservation-api.sqlite');
  const created = await runOps(
    ['operator', 'create', '--name', 'order', '--role', 'viewer', '--database', database],
    io,
  );
  expect(created).toBe(0);
  token = out.at(-1) ?? '';
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  strace = spawn(
    'strace',
    [
      '-f',
      '-y',
      '-qq',
      '-s',
      '40',
      '-o',
      tracePath(),
      '-e',
      'trace=pwrite64,pwritev,write,writev,fdatasync,fsync',
      '--',
      process.execPath,
      '--import',
      'tsx',
      'reservation-api/server/main.ts',
      '--port',
      String(port),
      '--data',
      dir,
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        // Plain system calls for libuv's file operations, so strace sees the fdatasync.
        UV_USE_IO_URING: '0',
        RESERVATION_API_HOST: '127.0.0.1',
        RESERVATION_API_LOG_LEVEL: 'info',
        // No monitoring tick: only the requests below write.
        RESERVATION_API_OPS_TICK_SECONDS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await listening(strace);
}, START_DEADLINE_MS + 30_000);

afterAll(() => {
  strace?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('durable answers leave after their fsync', () => {
  it('answers every login and logout only after a sync of the WAL that covers it', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const login = await fetch(`${baseUrl}${API_PATHS.opsSession}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ops-request': '1' },
        body: JSON.stringify({ name: 'order', token }),
      });
      expect(login.status).toBe(200);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      await login.text();
      const logout = await fetch(`${baseUrl}${API_PATHS.opsSession}`, {
        method: 'DELETE',
        headers: { cookie, 'x-ops-request': '1' },
      });
      expect(logout.status).toBe(200);
      await logout.text();
    }
    await stop(strace!);

    const report = checkAckAfterSync(readFileSync(tracePath(), 'utf8'), '.sqlite-wal', /HTTP\/1\.1 200/);
    expect(report.answers).toBe(ROUNDS * 2);
    expect(report.violations).toEqual([]);
    expect(report.walSyncs).toBeGreaterThanOrEqual(ROUNDS * 2);
  }, 60_000);
});

/** Resolves once the traced API logged that it listens. */
function listening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`the API did not start: ${output.slice(-2000)}`)),
      START_DEADLINE_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Reservation API listening on')) {
        clearTimeout(timer);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`strace/API exited (${code}): ${output.slice(-2000)}`));
    });
  });
}

/** SIGTERM to the API (strace's child: strace would only detach), then waits for strace to end. */
async function stop(child: ChildProcess): Promise<void> {
  const tracer = child.pid!;
  const apiPid = Number(
    readFileSync(`/proc/${tracer}/task/${tracer}/children`, 'utf8').trim().split(/\s+/)[0],
  );
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(apiPid, 'SIGTERM');
  await ended;
}
