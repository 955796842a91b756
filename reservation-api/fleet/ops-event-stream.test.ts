import { describe, expect, it } from 'vitest';
import { OpsEventStream, type StreamCredential, type StreamSink } from './ops-event-stream';

function sink(buffered = 0): StreamSink & { chunks: string[]; ended: boolean; buffered: number } {
  const s = {
    chunks: [] as string[],
    ended: false,
    buffered,
    write: (chunk: string) => void s.chunks.push(chunk),
    bufferedBytes: () => s.buffered,
    end: () => {
      s.ended = true;
    },
  };
  return s;
}

/** A credential whose validity the test sets; counts how often it was asked. */
function credential(
  sessionHash: string | null = null,
): StreamCredential & { valid: boolean | Error; asked: number } {
  const c = {
    sessionHash,
    valid: true as boolean | Error,
    asked: 0,
    stillValid: async () => {
      c.asked += 1;
      if (c.valid instanceof Error) throw c.valid;
      return c.valid;
    },
  };
  return c;
}

const hello = { event: 'hello' as const, data: { name: 'op', role: 'viewer', serverTime: 1 } };

describe('operators live stream', () => {
  it('writes SSE messages to every client and pings with a comment', () => {
    const stream = new OpsEventStream();
    const a = sink();
    const b = sink();
    stream.add(a, credential(), hello);
    stream.add(b, credential('session-hash'), hello);
    stream.publish({ event: 'session', data: { kioskId: 'k1', at: 5, outcome: 'completed', cause: 'none' } });
    stream.ping();
    expect(a.chunks).toEqual([
      'event: hello\ndata: {"name":"op","role":"viewer","serverTime":1}\n\n',
      'event: session\ndata: {"kioskId":"k1","at":5,"outcome":"completed","cause":"none"}\n\n',
      ': ping\n\n',
    ]);
    expect(b.chunks).toEqual(a.chunks);
  });

  it('drops a client that falls too far behind instead of buffering without bound', () => {
    const counts: number[] = [];
    const stream = new OpsEventStream({ maxBufferedBytes: 100, onCountChange: (n) => counts.push(n) });
    const slow = sink();
    stream.add(slow, credential(), hello);
    slow.buffered = 101;
    stream.ping();
    expect(slow.ended).toBe(true);
    expect(stream.size).toBe(0);
    expect(counts).toEqual([1, 0]);
  });

  it('closes the clients of sessions no longer valid, and only those', async () => {
    const stream = new OpsEventStream();
    const bearer = sink();
    const kept = sink();
    const gone = sink();
    stream.add(bearer, credential(), hello);
    stream.add(kept, credential('kept'), hello);
    stream.add(gone, credential('gone'), hello);
    await stream.closeSessions(async (hash) => hash === 'kept');
    expect([bearer.ended, kept.ended, gone.ended]).toEqual([false, false, true]);
    expect(stream.size).toBe(2);
  });

  it('re-checks every credential on a ping and ends the streams whose check says no or fails', async () => {
    const stream = new OpsEventStream();
    const clients = [credential(), credential('session'), credential(), credential('other')].map((c) => ({
      c,
      sink: sink(),
    }));
    for (const { c, sink: s } of clients) stream.add(s, c, hello);
    const [valid, loggedOut, revoked, failing] = clients;
    if (!valid || !loggedOut || !revoked || !failing) throw new Error('four clients');

    await stream.recheckCredentials();
    expect(clients.map(({ c }) => c.asked)).toEqual([1, 1, 1, 1]);
    expect(stream.size).toBe(4);

    loggedOut.c.valid = false;
    revoked.c.valid = false;
    failing.c.valid = new Error('database gone');
    await stream.recheckCredentials();
    expect(clients.map(({ sink: s }) => s.ended)).toEqual([false, true, true, true]);
    expect(stream.size).toBe(1);
  });

  it('starts the re-check from ping() and joins a check still running instead of asking again', async () => {
    const stream = new OpsEventStream();
    const s = sink();
    let answer: (valid: boolean) => void = () => {};
    let asked = 0;
    stream.add(
      s,
      {
        sessionHash: null,
        stillValid: () => {
          asked += 1;
          return new Promise<boolean>((resolve) => (answer = resolve));
        },
      },
      hello,
    );
    stream.ping();
    stream.ping();
    expect(s.chunks.filter((chunk) => chunk === ': ping\n\n')).toHaveLength(2);
    expect(asked).toBe(1);
    answer(false);
    await stream.recheckCredentials();
    expect(s.ended).toBe(true);
    expect(stream.size).toBe(0);
  });
});
