/**
 * How API instances on one database tell each other about live changes — what the operators' live
 * streams show (fleet/ops-relay.ts). On PostgreSQL it is LISTEN/NOTIFY (postgres/postgres-instance-
 * channel.ts); on SQLite there is only ever one instance (the file is locked to one), so nothing
 * needs telling and the channel is silent.
 *
 * Delivery is best effort and in order from each sender; a listener that lost its connection says
 * so (`onResync`) once it is back, since it may have missed messages meanwhile.
 */

export interface InstanceChannelHandlers {
  /** A message another instance sent (never one this instance sent). */
  onMessage(message: unknown): void;
  /** Listening resumed after a gap: messages sent meanwhile may be lost; re-read what matters. */
  onResync(): void;
  /** Something failed (logged by the caller; the channel keeps trying). */
  onError(error: Error): void;
}

export interface InstanceChannel {
  /** True when other instances may share the database (PostgreSQL). */
  readonly shared: boolean;
  /** Starts listening (PostgreSQL: a dedicated connection, reconnected whenever it is lost). */
  listen(handlers: InstanceChannelHandlers): Promise<void>;
  /** Sends a JSON-serialisable message to every other instance (batched, a few ms later). */
  send(message: unknown): void;
  /** Stops listening and sending. */
  close(): Promise<void>;
}

/** The channel of a database only one instance can use: nobody to tell. */
export const SINGLE_INSTANCE_CHANNEL: InstanceChannel = {
  shared: false,
  async listen() {},
  send() {},
  async close() {},
};
