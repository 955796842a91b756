import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPcscdReachable } from '../../../hardware/pcsc/pcscd-probe';
import { isAlive, planReaders, readStackState, runningPcscd } from '../../../scripts/pcsc/pcscd-stack';
import {
  attachPcscStack,
  leaseAllReaders,
  startPcscStack,
  stopPcscStack,
  type ReaderLease,
} from '../../support/pcsc-stack';

// How the project's pcscd is started, recognised and refused. Owns pcscd while it runs.

let lease: ReaderLease;
let readerCount: number;

beforeAll(async () => {
  lease = await leaseAllReaders();
  readerCount = attachPcscStack().readers.length;
});

afterAll(async () => {
  // Leave the run's pcscd as the global setup started it.
  if (!readStackState()) await startPcscStack({ readers: readerCount });
  lease?.release();
});

describe('the project pcscd', () => {
  it('plans two readers per vpcd entry on consecutive ports, entry 0 with Debian names', () => {
    expect(planReaders(2)).toEqual([
      { name: 'Virtual PCD 00 00', port: 35963, pair: 0 },
      { name: 'Virtual PCD 00 01', port: 35964, pair: 0 },
      { name: 'Virtual PCD 2 00 00', port: 35965, pair: 1 },
      { name: 'Virtual PCD 2 00 01', port: 35966, pair: 1 },
    ]);
  });

  it('reuses a pcscd of this project that already runs, and leaves it running', async () => {
    const running = readStackState();
    const messages: string[] = [];
    const stack = await startPcscStack({ readers: 2, log: (message) => messages.push(message) });
    expect(stack.startedHere).toBe(false);
    expect(stack.pid).toBe(running?.pid);
    expect(messages.join('\n')).toMatch(/already running \(PID \d+/);
    await stack.stop();
    expect(isAlive(stack.pid)).toBe(true);
  });

  it('refuses to start beside another pcscd and names it', async () => {
    await stopPcscStack();
    const emptyConfig = mkdtempSync(join(tmpdir(), 'foreign-pcscd-'));
    const foreign = spawn('/usr/sbin/pcscd', ['--foreground', '--config', emptyConfig], { stdio: 'ignore' });
    try {
      while (!(await isPcscdReachable())) await sleep(50);
      expect(runningPcscd()?.pid).toBe(foreign.pid);
      const refused = await startPcscStack({ readers: 2 }).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(refused?.name).toBe('PcscStackError');
      expect(refused?.message).toContain(`pcscd is already running (PID ${foreign.pid}`);
      expect(isAlive(foreign.pid ?? 0)).toBe(true);
    } finally {
      const exited = new Promise((resolve) => foreign.once('exit', resolve));
      foreign.kill('SIGTERM');
      await exited;
      rmSync(emptyConfig, { recursive: true, force: true });
    }
  });

  it('starts pcscd with vpcd readers bound to loopback, and stops it by PID', async () => {
    if (readStackState()) await stopPcscStack();
    const stack = await startPcscStack({ readers: readerCount });
    expect(stack.startedHere).toBe(true);
    expect(stack.readers.map((reader) => reader.port)).toEqual(
      planReaders(readerCount / 2).map((r) => r.port),
    );
    expect(readStackState()?.nodelay).toBe(true);
    expect(await isPcscdReachable()).toBe(true);
    const listeners = listeningAddresses(stack.readers.map((reader) => reader.port));
    expect(listeners).toEqual(stack.readers.map(() => '127.0.0.1'));
    const pid = stack.pid;
    await stack.stop();
    expect(isAlive(pid)).toBe(false);
  });
});

/** The local IPv4 address each port listens on, from /proc/net/tcp. */
function listeningAddresses(ports: number[]): string[] {
  const rows = readFileSync('/proc/net/tcp', 'utf8').trim().split('\n').slice(1);
  const listening = new Map<number, string>();
  for (const row of rows) {
    const [, local, , state] = row.trim().split(/\s+/);
    if (state !== '0A' || !local) continue;
    const [addressHex = '', portHex = ''] = local.split(':');
    const address = [3, 2, 1, 0]
      .map((i) => Number.parseInt(addressHex.slice(i * 2, i * 2 + 2), 16))
      .join('.');
    listening.set(Number.parseInt(portHex, 16), address);
  }
  return ports.map((port) => listening.get(port) ?? 'not listening');
}
