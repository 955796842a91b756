import { msSinceJapanMidnight, type ServiceWindow } from '../time/service-window';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Epoch ms of the latest closing of the service window at or before `epochMs` (Japan time). */
export function lastServiceWindowClose(epochMs: number, window: ServiceWindow): number {
  const ms = msSinceJapanMidnight(epochMs);
  const midnight = epochMs - ms;
  const closes = window.closesAtMinute * 60_000;
  return ms >= closes ? midnight + closes : midnight - DAY_MS + closes;
}

/** When the grace after the latest closing ends: sessions under way must be over by then. */
export function closingGraceEndsAt(epochMs: number, window: ServiceWindow, graceMs: number): number {
  return lastServiceWindowClose(epochMs, window) + graceMs;
}
