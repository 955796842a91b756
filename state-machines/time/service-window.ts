/**
 * Business time is Japan time (Asia/Tokyo). Japan has had no daylight saving since 1951, so JST is
 * exactly UTC+9 and plain arithmetic on epoch milliseconds is correct whatever the machine's zone.
 */
export const JST_OFFSET_MS = 9 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface ServiceWindow {
  /** Minutes after 00:00 JST when sessions may start (06:30 → 390). */
  opensAtMinute: number;
  /** Minutes after 00:00 JST from which no session may start (23:00 → 1380). */
  closesAtMinute: number;
}

export const DEFAULT_SERVICE_WINDOW: ServiceWindow = { opensAtMinute: 6 * 60 + 30, closesAtMinute: 23 * 60 };

/** Milliseconds since 00:00 Japan time of the day `epochMs` falls on. */
export function msSinceJapanMidnight(epochMs: number): number {
  return (((epochMs + JST_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
}

/** True when opensAt ≤ Japan time of day < closesAt. */
export function isWithinServiceWindow(
  epochMs: number,
  window: ServiceWindow = DEFAULT_SERVICE_WINDOW,
): boolean {
  const ms = msSinceJapanMidnight(epochMs);
  return ms >= window.opensAtMinute * 60_000 && ms < window.closesAtMinute * 60_000;
}

/** Epoch ms of the next moment the window changes (opens or closes), for scheduling a timer. */
export function nextServiceWindowChange(
  epochMs: number,
  window: ServiceWindow = DEFAULT_SERVICE_WINDOW,
): number {
  const ms = msSinceJapanMidnight(epochMs);
  const midnight = epochMs - ms;
  const opens = window.opensAtMinute * 60_000;
  const closes = window.closesAtMinute * 60_000;
  if (ms < opens) return midnight + opens;
  if (ms < closes) return midnight + closes;
  return midnight + DAY_MS + opens;
}

/** "HH:MM" Japan time, for texts such as "open from 06:30". */
export function formatJapanTime(minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}
