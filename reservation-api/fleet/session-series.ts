import type { SessionPoint, SessionSeriesResponse } from '../contract';
import type { SessionRollupRow } from '../store/ops-store';
import { MINUTE_MS, sessionCause } from './session-facts';

export const HOUR_MS = 60 * MINUTE_MS;

/** The buckets a series covers: `points` buckets ending with the one that holds `now`. */
export function seriesRange(now: number, bucketMs: number, points: number): { from: number; to: number } {
  const current = Math.floor(now / bucketMs) * bucketMs;
  return { from: current - (points - 1) * bucketMs, to: current + bucketMs };
}

/**
 * The minute buckets the repeated-failures rule counts: the minute under way and the whole
 * `windowMs` of minutes before it, nothing after — the same buckets as the last bars of the
 * per-minute chart, so the alert's count and the chart agree, and a session dated after now (a
 * kiosk clock ahead) counts in neither until its minute comes.
 */
export function failureAlertBuckets(now: number, windowMs: number): { from: number; to: number } {
  return seriesRange(now, MINUTE_MS, Math.ceil(windowMs / MINUTE_MS) + 1);
}

/**
 * A dense chart series from the per-minute rollup: every bucket of the range, empty ones included,
 * failures by cause (causes outside the kiosk's error ids count as `other`).
 */
export function sessionSeries(
  rows: readonly SessionRollupRow[],
  range: { from: number; to: number },
  bucketMs: number,
): SessionSeriesResponse {
  const points: SessionPoint[] = [];
  for (let at = range.from; at < range.to; at += bucketMs) {
    points.push({ at, completed: 0, cancelled: 0, failed: 0, causes: {} });
  }
  const totals: SessionSeriesResponse['totals'] = { completed: 0, cancelled: 0, failed: 0, causes: {} };
  for (const row of rows) {
    const point = points[Math.floor((row.bucket - range.from) / bucketMs)];
    if (!point || row.bucket < range.from) continue;
    point[row.outcome] += row.count;
    totals[row.outcome] += row.count;
    if (row.outcome === 'failed') {
      const cause = sessionCause(row.cause);
      point.causes[cause] = (point.causes[cause] ?? 0) + row.count;
      totals.causes[cause] = (totals.causes[cause] ?? 0) + row.count;
    }
  }
  return { bucketMs, points, totals };
}
