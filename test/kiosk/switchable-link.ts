import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A loopback TCP relay to the API that a test can cut and restore: the network between kiosk and API. */
export interface SwitchableLink {
  url: string;
  /** No connection gets through; open ones are dropped. */
  cut(): void;
  /** Back to normal (also ends `loseAnswers`). */
  restore(): void;
  /**
   * Requests still reach the API, but its answers are lost: the first byte of an answer closes the
   * kiosk's connection instead of reaching it ("the API did it, the kiosk never heard").
   */
  loseAnswers(): void;
  close(): Promise<void>;
}

/** Starts a relay on a free loopback port forwarding to `target` (http://127.0.0.1:PORT). */
export async function openSwitchableLink(target: string): Promise<SwitchableLink> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let mode: 'up' | 'cut' | 'answers-lost' = 'up';
  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: hostname, port: Number(port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream);
    // Checked per answer, so a kept-alive connection opened earlier loses its answers too.
    upstream.on('data', (chunk: Buffer) => {
      if (mode === 'answers-lost') {
        client.destroy();
        upstream.destroy();
      } else {
        client.write(chunk);
      }
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('relay has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      mode = 'cut';
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      mode = 'up';
    },
    loseAnswers() {
      mode = 'answers-lost';
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
