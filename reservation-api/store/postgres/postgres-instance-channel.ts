import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { InstanceChannel, InstanceChannelHandlers } from '../instance-channel';

/**
 * The instance channel on PostgreSQL: NOTIFY to send, LISTEN on a dedicated connection to receive.
 *
 * - Messages sent within `batchMs` go out as one notification (`{o: sender, m: [...]}`), so a
 *   burst of changes costs one NOTIFY, not one each. A notification's payload is limited to 8000
 *   bytes: a batch is cut before it would exceed `PAYLOAD_LIMIT`, and a single message larger than
 *   that is written to `ops_stream_spill` and announced by its row id (`{o, s: id}`); receivers
 *   read the body from the table. Spilled rows are deleted after a minute.
 * - Each receiver drops notifications from its own sender id (it delivered those itself) and
 *   handles the rest strictly in arrival order (a spilled body is read before later messages).
 * - The listening connection is not from the pool (a pooled one could be handed to a query, and
 *   LISTEN belongs to the session). When it is lost — PostgreSQL restarted, the network dropped —
 *   it is reconnected with a growing delay (100 ms doubling to 5 s), LISTEN is issued again and
 *   the handlers are told to resync: notifications sent meanwhile are gone.
 */

export const OPS_CHANNEL = 'jpki_ops_stream';
/** Bytes of payload at most per notification (PostgreSQL's limit is 8000; room kept for the envelope). */
export const PAYLOAD_LIMIT = 7_900;
const SPILL_KEEP_MS = 60_000;
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5_000;

interface Envelope {
  o: string;
  m?: unknown[];
  s?: number;
}

export class PostgresInstanceChannel implements InstanceChannel {
  readonly shared = true;
  private readonly id = randomBytes(8).toString('hex');
  private pending: string[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private receiving: Promise<void> = Promise.resolve();
  private listener: pg.Client | undefined;
  private handlers: InstanceChannelHandlers | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = RECONNECT_FIRST_MS;
  /** Listening stopped (or never started) since the last connection: messages may have been missed. */
  private gap = false;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: { batchMs?: number } = {},
  ) {}

  async listen(handlers: InstanceChannelHandlers): Promise<void> {
    this.handlers = handlers;
    try {
      await this.connect();
    } catch (error) {
      // Not fatal: the API serves without live updates from other instances until it is back.
      handlers.onError(error as Error);
      this.gap = true;
      this.scheduleReconnect();
    }
  }

  send(message: unknown): void {
    if (this.closed) return;
    this.pending.push(JSON.stringify(message));
    this.flushTimer ??= setTimeout(() => this.flush(), this.options.batchMs ?? 20);
    this.flushTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.reconnectTimer);
    await this.sending;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  // ── sending ────────────────────────────────────────────────────────────────────────────────

  private flush(): void {
    this.flushTimer = undefined;
    const messages = this.pending;
    this.pending = [];
    this.sending = this.sending.then(() =>
      this.notifyAll(messages).catch((error: unknown) => this.handlers?.onError(error as Error)),
    );
  }

  private async notifyAll(messages: string[]): Promise<void> {
    const head = `{"o":"${this.id}","m":[`;
    let batch: string[] = [];
    let bytes = Buffer.byteLength(head) + 2;
    const sendBatch = async () => {
      if (batch.length > 0) await this.notify(`${head}${batch.join(',')}]}`);
      batch = [];
      bytes = Buffer.byteLength(head) + 2;
    };
    for (const message of messages) {
      const size = Buffer.byteLength(message) + 1;
      if (Buffer.byteLength(head) + 2 + size > PAYLOAD_LIMIT) {
        await sendBatch();
        await this.spill(message);
        continue;
      }
      if (bytes + size > PAYLOAD_LIMIT) await sendBatch();
      batch.push(message);
      bytes += size;
    }
    await sendBatch();
  }

  private async spill(message: string): Promise<void> {
    // The database's clock dates the row: no instance's clock is trusted to agree with another's.
    const stored = await this.pool.query<{ id: number }>(
      `WITH pruned AS (
         DELETE FROM ops_stream_spill
         WHERE created_at < (extract(epoch FROM clock_timestamp()) * 1000)::bigint - $2)
       INSERT INTO ops_stream_spill (body, created_at)
       VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint) RETURNING id`,
      [`[${message}]`, SPILL_KEEP_MS],
    );
    await this.notify(JSON.stringify({ o: this.id, s: stored.rows[0]?.id }));
  }

  private async notify(payload: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [OPS_CHANNEL, payload]);
  }

  // ── receiving ──────────────────────────────────────────────────────────────────────────────

  private async connect(): Promise<void> {
    const client = new pg.Client(this.pool.options);
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (notification) => {
      if (notification.channel !== OPS_CHANNEL || notification.payload === undefined) return;
      const payload = notification.payload;
      this.receiving = this.receiving.then(() =>
        this.receive(payload).catch((error: unknown) => this.handlers?.onError(error as Error)),
      );
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OPS_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    this.reconnectDelay = RECONNECT_FIRST_MS;
    if (this.gap) {
      this.gap = false;
      this.handlers?.onResync();
    }
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    if (error) this.handlers?.onError(error);
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.gap = true;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((error: unknown) => {
        this.handlers?.onError(error as Error);
        this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }

  private async receive(payload: string): Promise<void> {
    const envelope = JSON.parse(payload) as Envelope;
    if (envelope.o === this.id) return;
    let messages = envelope.m;
    if (envelope.s !== undefined) {
      const spilled = await this.pool.query<{ body: string }>(
        'SELECT body FROM ops_stream_spill WHERE id = $1',
        [envelope.s],
      );
      const body = spilled.rows[0]?.body;
      if (body === undefined) throw new Error(`spilled stream message ${envelope.s} is gone`);
      messages = JSON.parse(body) as unknown[];
    }
    for (const message of messages ?? []) this.handlers?.onMessage(message);
  }
}
