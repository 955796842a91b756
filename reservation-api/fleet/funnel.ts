import type { FunnelRowView } from '../contract';
import type { FunnelRow } from '../store/kiosk-control-store';
import { japanDay } from '../store/kiosk-control-store';
import type { ApiMetrics } from '../server/metrics';
import type { ReservationStore } from '../store/reservation-store';

const DAY_MS = 24 * 3_600_000;
const JST_OFFSET_MS = 9 * 3_600_000;
/** At most this many days per funnel request (a reservation lives 24 h; weeks are what people compare). */
const MAX_DAYS = 92;

/** A funnel row with its conversion: resets done per reservation made. */
export function funnelView(row: FunnelRow): FunnelRowView {
  return { ...row, conversion: row.reservations === 0 ? 0 : row.completed / row.reservations };
}

/** Epoch ms of 00:00 Japan time of a `YYYY-MM-DD` day, or undefined when it is not a real date. */
export function japanDayStart(day: string): number | undefined {
  const [y, m, d] = day.split('-').map(Number);
  if (y === undefined || m === undefined || d === undefined) return undefined;
  const utc = Date.UTC(y, m - 1, d);
  if (Number.isNaN(utc) || new Date(utc).toISOString().slice(0, 10) !== day) return undefined;
  return utc - JST_OFFSET_MS;
}

/** The query's days (default: the 7 days up to today, Japan time) as a time range; undefined when invalid. */
export function japanDayRange(
  from: string | undefined,
  to: string | undefined,
  now: number,
): { from: string; to: string; fromMs: number; toMs: number } | undefined {
  const lastDay = to ?? japanDay(now);
  const lastStart = japanDayStart(lastDay);
  if (lastStart === undefined) return undefined;
  const firstDay = from ?? japanDay(lastStart - 6 * DAY_MS);
  const firstStart = japanDayStart(firstDay);
  if (firstStart === undefined || firstStart > lastStart || lastStart - firstStart >= MAX_DAYS * DAY_MS) {
    return undefined;
  }
  return { from: firstDay, to: lastDay, fromMs: firstStart, toMs: lastStart + DAY_MS };
}

const STAGES = [
  ['made', 'reservations'],
  ['looked-up', 'lookups'],
  ['verified', 'verified'],
  ['completed', 'completed'],
  ['expired-unused', 'expiredUnused'],
] as const;

/** Sets the funnel gauges to today's funnel (Japan time); called on the monitoring tick, at most once a minute. */
export async function publishFunnelMetrics(
  store: ReservationStore,
  metrics: ApiMetrics,
  now: number,
): Promise<void> {
  const start = japanDayStart(japanDay(now)) ?? now;
  const rows = await store.controls.funnel({ from: start, to: start + DAY_MS, now });
  metrics.funnel.reset();
  metrics.funnelConversion.reset();
  for (const row of rows) {
    const labels = { procedure: row.procedure, chain: row.chain };
    for (const [stage, field] of STAGES) metrics.funnel.set({ ...labels, stage }, row[field]);
    metrics.funnelConversion.set(labels, funnelView(row).conversion);
  }
}
