import type { SessionPoint, SessionSeriesResponse, StreamSession } from '../../contract/ops-fleet';

/**
 * The session series behind the charts, kept current from the stream: a session that ended adds
 * one to its bucket; a session past the newest bucket moves the window on. Pure, unit-tested.
 */

export interface SessionSeries {
  bucketMs: number;
  points: SessionPoint[];
}

export interface SeriesTotals {
  completed: number;
  cancelled: number;
  failed: number;
  causes: Record<string, number>;
}

const emptyPoint = (at: number): SessionPoint => ({ at, completed: 0, cancelled: 0, failed: 0, causes: {} });

/** The series as the API sent it (points copied, so updates never touch the response). */
export function seriesFrom(response: SessionSeriesResponse): SessionSeries {
  return {
    bucketMs: response.bucketMs,
    points: response.points.map((point) => ({ ...point, causes: { ...point.causes } })),
  };
}

/**
 * The series with one more ended session. Sessions older than the window are dropped; newer than
 * the last bucket append empty buckets up to theirs and drop as many of the oldest (same length).
 */
export function addSession(series: SessionSeries, session: StreamSession): SessionSeries {
  const { bucketMs } = series;
  const points = series.points.map((point) => ({ ...point, causes: { ...point.causes } }));
  const last = points.at(-1);
  if (!last) return series;
  const bucketStart = Math.floor(session.at / bucketMs) * bucketMs;
  const first = points[0];
  if (first && bucketStart < first.at) return series;
  for (let at = last.at + bucketMs; at <= bucketStart; at += bucketMs) {
    points.push(emptyPoint(at));
    points.shift();
  }
  const point = points.find((candidate) => candidate.at === bucketStart);
  if (!point) return { bucketMs, points };
  if (session.outcome === 'completed') point.completed += 1;
  else if (session.outcome === 'cancelled') point.cancelled += 1;
  else {
    point.failed += 1;
    point.causes[session.cause] = (point.causes[session.cause] ?? 0) + 1;
  }
  return { bucketMs, points };
}

/** The sums over the series (the chart headings and the by-cause chart). */
export function seriesTotals(series: SessionSeries): SeriesTotals {
  const totals: SeriesTotals = { completed: 0, cancelled: 0, failed: 0, causes: {} };
  for (const point of series.points) {
    totals.completed += point.completed;
    totals.cancelled += point.cancelled;
    totals.failed += point.failed;
    for (const [cause, count] of Object.entries(point.causes)) {
      totals.causes[cause] = (totals.causes[cause] ?? 0) + count;
    }
  }
  return totals;
}

/** Causes by count, largest first (ties by name), for a bar chart that reads top-down. */
export function causesByCount(causes: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(causes)
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}
