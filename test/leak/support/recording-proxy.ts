import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on 127.0.0.1 that records every byte in both directions, for scanning HTTP traffic
 * between a client and a server on loopback exactly as it travelled.
 */
export class RecordingProxy {
  /** Client → server bytes, in arrival order (all connections interleaved). */
  readonly requests: Buffer[] = [];
  /** Server → client bytes. */
  readonly responses: Buffer[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  url = '';

  private constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (chunk: Buffer) => {
        this.requests.push(chunk);
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        this.responses.push(chunk);
        client.write(chunk);
      });
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
    });
  }

  /** Listens on a free loopback port and relays to `target`. */
  static async start(target: { host: string; port: number }): Promise<RecordingProxy> {
    const proxy = new RecordingProxy(target);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    const address = proxy.server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
    proxy.url = `http://127.0.0.1:${address.port}`;
    return proxy;
  }

  /** Everything recorded so far, one buffer per direction. */
  recorded(): { requests: Buffer; responses: Buffer } {
    return { requests: Buffer.concat(this.requests), responses: Buffer.concat(this.responses) };
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
