import { describe, expect, it } from 'vitest';
import { OpsEventStream, type StreamSink } from './ops-event-stream';

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

const hello = { event: 'hello' as const, data: { name: 'op', role: 'viewer', serverTime: 1 } };

describe('operators live stream', () => {
  it('writes SSE messages to every client and pings with a comment', () => {
    const stream = new OpsEventStream();
    const a = sink();
    const b = sink();
    stream.add(a, null, hello);
    stream.add(b, 'session-hash', hello);
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
    stream.add(slow, null, hello);
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
    stream.add(bearer, null, hello);
    stream.add(kept, 'kept', hello);
    stream.add(gone, 'gone', hello);
    await stream.closeSessions(async (hash) => hash === 'kept');
    expect([bearer.ended, kept.ended, gone.ended]).toEqual([false, false, true]);
    expect(stream.size).toBe(2);
  });
});
