import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isPcscdReachable } from './pcscd-probe';

// The real pcscd answering is checked over the real stack (test/pcsc/disruptive/pcscd-stack.test.ts).
let dir: string | undefined;
let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function listen(onConnection?: (socket: Socket) => void): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'pcscd-probe-'));
  const path = join(dir, 'pcscd.comm');
  server = createServer((socket) => {
    sockets.push(socket);
    onConnection?.(socket);
  });
  await new Promise<void>((resolve) => server!.listen(path, resolve));
  return path;
}

describe('isPcscdReachable', () => {
  it('is true when the socket answers the version exchange (12 bytes back)', async () => {
    const path = await listen((socket) =>
      socket.once('data', (request) => {
        expect(request.readUInt32LE(4)).toBe(0x11);
        socket.end(Buffer.from('040000000400000000000000', 'hex'));
      }),
    );
    expect(await isPcscdReachable(path)).toBe(true);
  });

  it('is false when the socket accepts but never answers (a pcscd that is not serving yet)', async () => {
    const path = await listen();
    expect(await isPcscdReachable(path, 200)).toBe(false);
  });

  it('is false when the connection closes without an answer, and when there is no socket', async () => {
    const path = await listen((socket) => socket.destroy());
    expect(await isPcscdReachable(path)).toBe(false);
    expect(await isPcscdReachable(join(dir!, 'missing.comm'))).toBe(false);
  });
});
