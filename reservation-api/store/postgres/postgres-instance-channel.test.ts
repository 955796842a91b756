import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../../testing/postgres-database';
import type { InstanceChannel, InstanceChannelHandlers } from '../instance-channel';
import { OPS_CHANNEL, PAYLOAD_LIMIT } from './postgres-instance-channel';
import { PostgresReservationStore } from './postgres-store';

/**
 * The instance channel over real LISTEN/NOTIFY: two stores on one database stand for two API
 * instances. What is sent reaches the other one, in order, whatever its size (NOTIFY's 8000-byte
 * limit); never back to the sender; and a listener whose connection is cut comes back by itself
 * and says it may have missed something.
 */

const unavailable = postgresUnavailable();
let database: TestDatabase;
const stores: PostgresReservationStore[] = [];
const channels: InstanceChannel[] = [];

interface Heard {
  messages: unknown[];
  resyncs: number;
  errors: Error[];
  /** Resolves once `count` messages have arrived. */
  until(count: number): Promise<void>;
}

async function listeningChannel(): Promise<{
  channel: InstanceChannel;
  heard: Heard;
  store: PostgresReservationStore;
}> {
  const store = await PostgresReservationStore.open(database.url);
  stores.push(store);
  const channel = store.openInstanceChannel();
  channels.push(channel);
  let wake = () => {};
  const heard: Heard = {
    messages: [],
    resyncs: 0,
    errors: [],
    async until(count) {
      while (heard.messages.length < count) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
  const handlers: InstanceChannelHandlers = {
    onMessage: (message) => {
      heard.messages.push(message);
      wake();
    },
    onResync: () => {
      heard.resyncs += 1;
      wake();
    },
    onError: (error) => heard.errors.push(error),
  };
  await channel.listen(handlers);
  return { channel, heard, store };
}

describe('PostgreSQL instance channel (LISTEN/NOTIFY)', () => {
  if (unavailable) {
    // Never skipped in silence: a run without PostgreSQL fails here, saying what to install.
    it('has a PostgreSQL to run on', () => {
      throw new Error(unavailable);
    });
    return;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const channel of channels.splice(0)) await channel.close();
    for (const store of stores.splice(0)) await store.close();
  });
  afterAll(async () => database?.drop());

  it('delivers to the other instance, in order, never back to the sender; large messages via the spill table', async () => {
    const sender = await listeningChannel();
    const receiver = await listeningChannel();
    const big = { kind: 'big', text: 'x'.repeat(3 * PAYLOAD_LIMIT) };
    const sent: unknown[] = [{ n: 1 }, big];
    // Enough small messages that one burst needs several notifications.
    for (let n = 2; n < 400; n += 1) sent.push({ n, padding: 'y'.repeat(50) });
    sent.push({ n: 'last', text: 'é'.repeat(PAYLOAD_LIMIT) }); // bytes, not characters, count
    for (const message of sent) sender.channel.send(message);
    await receiver.heard.until(sent.length);
    expect(receiver.heard.messages).toEqual(sent);
    expect(sender.heard.messages).toEqual([]);
    expect(receiver.heard.errors).toEqual([]);
    expect(sender.heard.errors).toEqual([]);
    const spilled = await sender.store.database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ops_stream_spill',
    );
    expect(spilled.rows[0]?.n).toBe(2);
  });

  it('reconnects a listener whose connection was cut, tells it to resync, and delivers again', async () => {
    const sender = await listeningChannel();
    const receiver = await listeningChannel();
    const cut = await receiver.store.database.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND query = $1`,
      [`LISTEN ${OPS_CHANNEL}`],
    );
    expect(cut.rowCount).toBe(2);
    // Both listeners come back by themselves (the first retry is 100 ms later), each saying so once.
    await vi.waitFor(() => expect([receiver.heard.resyncs, sender.heard.resyncs]).toEqual([1, 1]), {
      timeout: 5_000,
    });
    sender.channel.send({ after: 'reconnect' });
    receiver.channel.send({ back: true });
    await receiver.heard.until(1);
    await sender.heard.until(1);
    expect(receiver.heard.messages).toEqual([{ after: 'reconnect' }]);
    expect(sender.heard.messages).toEqual([{ back: true }]);
  });
});
