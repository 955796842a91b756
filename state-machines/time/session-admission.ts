import {
  isWithinServiceWindow,
  msSinceJapanMidnight,
  nextServiceWindowChange,
  type ServiceWindow,
} from './service-window';

/**
 * The one rule for when a kiosk session may start and how long it may go on, imported by the
 * kiosk's session machine and by the reservation API (docs/decisions.md, "Sessions at closing
 * time"), so the two cannot drift:
 *
 * - a session is **admitted** when its card's reservation is checked, before any PIN, and only
 *   while the service window is open (06:30 ≤ t < 23:00 Japan time by default);
 * - an admitted session may go on — prove the PIN, claim, reset — until the closing that follows its
 *   admission plus the closing grace (5 minutes by default);
 * - a session not admitted by closing time ends at once, before any PIN was typed.
 *
 * Each side applies it on its own clock: the kiosk to decide what to show, the API (which decides)
 * to its record of the admission, with the kiosk clock skew it tolerates added to the grace.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long after closing an admitted session may still claim and reset. */
export const DEFAULT_CLOSING_GRACE_MS = 5 * 60_000;

/** True when a session may be admitted (start) at `now`: the service window is open. */
export function maySessionStart(now: number, window: ServiceWindow): boolean {
  return isWithinServiceWindow(now, window);
}

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

/**
 * Until when (exclusive) a session admitted at `admittedAt` may go on: the closing after its
 * admission plus the grace. An admission outside the window ends at once (it was never valid).
 */
export function admittedSessionEndsAt(admittedAt: number, window: ServiceWindow, graceMs: number): number {
  if (!maySessionStart(admittedAt, window)) return admittedAt;
  return nextServiceWindowChange(admittedAt, window) + graceMs;
}

/**
 * True when a step of a session (the claim) may be taken at `now`: the window is open, or the
 * session was admitted (`admittedAt`, null when never) and its grace has not run out.
 */
export function maySessionGoOn(
  now: number,
  admittedAt: number | null,
  window: ServiceWindow,
  graceMs: number,
): boolean {
  if (maySessionStart(now, window)) return true;
  return admittedAt !== null && now < admittedSessionEndsAt(admittedAt, window, graceMs);
}
