import { describe, expect, it } from 'vitest';
import type { SessionSeriesResponse } from '../../contract';
import { addSession, causesByCount, seriesFrom, seriesTotals } from './series-model';

const MINUTE = 60_000;
const response = (): SessionSeriesResponse => ({
  bucketMs: MINUTE,
  points: [0, 1, 2].map((i) => ({ at: i * MINUTE, completed: i, cancelled: 0, failed: 0, causes: {} })),
  totals: { completed: 3, cancelled: 0, failed: 0, causes: {} },
});

describe('session series', () => {
  it('counts a session in the bucket of its end, failures by cause', () => {
    let series = seriesFrom(response());
    series = addSession(series, { kioskId: 'k', at: 2 * MINUTE + 5, outcome: 'completed', cause: 'none' });
    series = addSession(series, { kioskId: 'k', at: MINUTE, outcome: 'failed', cause: 'pin-blocked' });
    series = addSession(series, { kioskId: 'k', at: MINUTE + 1, outcome: 'failed', cause: 'pin-blocked' });
    series = addSession(series, { kioskId: 'k', at: 0, outcome: 'cancelled', cause: 'none' });
    expect(series.points.map((p) => [p.completed, p.failed, p.cancelled])).toEqual([
      [0, 0, 1],
      [1, 2, 0],
      [3, 0, 0],
    ]);
    expect(seriesTotals(series)).toEqual({
      completed: 4,
      cancelled: 1,
      failed: 2,
      causes: { 'pin-blocked': 2 },
    });
  });

  it('moves the window on for a session after the last bucket, keeping its length', () => {
    const series = addSession(seriesFrom(response()), {
      kioskId: 'k',
      at: 4 * MINUTE + 30_000,
      outcome: 'failed',
      cause: 'card-removed',
    });
    expect(series.points.map((p) => p.at)).toEqual([2 * MINUTE, 3 * MINUTE, 4 * MINUTE]);
    expect(series.points.map((p) => p.failed)).toEqual([0, 0, 1]);
  });

  it('ignores a session older than the window and never changes the response it came from', () => {
    const original = response();
    const series = seriesFrom(original);
    expect(addSession(series, { kioskId: 'k', at: -1, outcome: 'completed', cause: 'none' })).toEqual(series);
    addSession(series, { kioskId: 'k', at: 0, outcome: 'failed', cause: 'x' });
    expect(original.points[0]).toEqual({ at: 0, completed: 0, cancelled: 0, failed: 0, causes: {} });
  });

  it('ranks causes by count, then by name', () => {
    expect(causesByCount({ b: 2, a: 2, c: 5, z: 0 })).toEqual([
      ['c', 5],
      ['a', 2],
      ['b', 2],
    ]);
  });
});
