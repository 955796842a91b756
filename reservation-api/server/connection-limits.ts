import type { Server } from 'node:http';

/**
 * Caps the connections one client IP may hold open: a connection beyond `max` is closed at once,
 * before Node reads anything from it, so one client cannot exhaust the server's sockets with
 * connections that never finish (issue 12, part 4). 0 means no limit. Behind a proxy every
 * connection comes from the proxy: the caller does not apply this then (the proxy must limit).
 */
export function limitConnectionsPerClient(server: Server, max: number): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const client = socket.remoteAddress ?? 'unknown';
    const count = (open.get(client) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(client, count);
    socket.once('close', () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left <= 0) open.delete(client);
      else open.set(client, left);
    });
  });
}
