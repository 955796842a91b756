import type { OpsStreamEvent } from '../contract';

/**
 * The operators' live stream (Server-Sent Events): every connected dashboard gets every fleet
 * change. Each client is a writable sink; one that falls too far behind (its socket buffer over
 * `maxBufferedBytes`) is dropped rather than let the server buffer without bound — its browser
 * reconnects and reloads. Each client's credential is re-checked on every keep-alive ping, so a
 * stream ends soon after its token or login stops being valid even when that happened in another
 * process (`npm run ops -- operator revoke` writes the database; this process is not told).
 */

export interface StreamSink {
  /** Writes a chunk; the sink reports how much it holds unsent. */
  write(chunk: string): void;
  bufferedBytes(): number;
  end(): void;
}

/** What authenticated a client's stream, and how to ask whether it still would. */
export interface StreamCredential {
  /** The login session behind it (cookie), so logging out or expiry can close it; null for bearer tokens. */
  readonly sessionHash: string | null;
  /** Resolves false once the token or login is no longer valid (a rejection counts as false). */
  stillValid(): Promise<boolean>;
}

export interface StreamClient {
  readonly id: number;
  readonly credential: StreamCredential;
  readonly sink: StreamSink;
  /** The re-check of the credential in flight, if any (a slow one is joined, not started twice). */
  check: Promise<void> | undefined;
}

/** One SSE message: `event:` line, one `data:` line of JSON, blank line. */
export function formatSseEvent(message: OpsStreamEvent): string {
  return `event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

export class OpsEventStream {
  private readonly clients = new Map<number, StreamClient>();
  private nextId = 1;

  constructor(
    private readonly options: {
      maxBufferedBytes?: number;
      onCountChange?: (count: number) => void;
      /** Sees every published event (the overview's counters recompute after kiosk and alert events). */
      onPublish?: (message: OpsStreamEvent) => void;
    } = {},
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** Adds a client and sends it `first` (the hello); returns a function that removes it. */
  add(sink: StreamSink, credential: StreamCredential, first: OpsStreamEvent): () => void {
    const client: StreamClient = { id: this.nextId++, credential, sink, check: undefined };
    this.clients.set(client.id, client);
    this.options.onCountChange?.(this.clients.size);
    this.send(client, formatSseEvent(first));
    return () => this.remove(client.id);
  }

  /** Sends an event to every client. */
  publish(message: OpsStreamEvent): void {
    this.options.onPublish?.(message);
    const chunk = formatSseEvent(message);
    for (const client of [...this.clients.values()]) this.send(client, chunk);
  }

  /**
   * A keep-alive comment to every client (proxies close silent connections), then a re-check of
   * every client's credential in the background (`recheckCredentials`).
   */
  ping(): void {
    for (const client of [...this.clients.values()]) this.send(client, ': ping\n\n');
    void this.recheckCredentials();
  }

  /**
   * Asks each client's credential whether it is still valid and ends the streams of those that
   * are not (revoked token, login deleted or expired). A check that fails ends its stream too:
   * the browser reconnects and authenticates afresh. Never rejects.
   */
  async recheckCredentials(): Promise<void> {
    await Promise.all(
      [...this.clients.values()].map((client) => {
        client.check ??= this.recheck(client).finally(() => {
          client.check = undefined;
        });
        return client.check;
      }),
    );
  }

  /** Ends the streams of clients whose login session `stillValid` rejects (logout, expiry). */
  async closeSessions(stillValid: (sessionHash: string) => Promise<boolean>): Promise<void> {
    for (const client of [...this.clients.values()]) {
      const { sessionHash } = client.credential;
      if (sessionHash !== null && !(await stillValid(sessionHash))) this.close(client.id);
    }
  }

  closeAll(): void {
    for (const id of [...this.clients.keys()]) this.close(id);
  }

  private async recheck(client: StreamClient): Promise<void> {
    let valid: boolean;
    try {
      valid = await client.credential.stillValid();
    } catch {
      valid = false;
    }
    if (!valid) this.close(client.id);
  }

  private send(client: StreamClient, chunk: string): void {
    if (client.sink.bufferedBytes() > (this.options.maxBufferedBytes ?? 1024 * 1024)) {
      this.close(client.id);
      return;
    }
    try {
      client.sink.write(chunk);
    } catch {
      this.close(client.id);
    }
  }

  private close(id: number): void {
    const client = this.clients.get(id);
    if (!client) return;
    this.remove(id);
    try {
      client.sink.end();
    } catch {
      // Already gone.
    }
  }

  private remove(id: number): void {
    if (this.clients.delete(id)) this.options.onCountChange?.(this.clients.size);
  }
}
