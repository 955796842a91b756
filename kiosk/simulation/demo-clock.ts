import {
  formatJapanTime,
  JST_OFFSET_MS,
  msSinceJapanMidnight,
} from '../../state-machines/time/service-window';

const DAY_MS = 24 * 60 * 60 * 1000;

/** `2026-11-24 23:30 JST`: a demo instant as the panel and the phone step show it. */
export function formatJapanDateTime(epochMs: number): string {
  const day = new Date(epochMs + JST_OFFSET_MS).toISOString().slice(0, 10);
  return `${day} ${formatJapanTime(Math.floor(msSinceJapanMidnight(epochMs) / 60_000))} JST`;
}

/** `22 h 05 min`: how far the demo clock is ahead of real time. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / (24 * 60));
  const hours = Math.floor((minutes % (24 * 60)) / 60);
  const rest = String(minutes % 60).padStart(2, '0');
  return days > 0 ? `${days} d ${hours} h ${rest} min` : `${hours} h ${rest} min`;
}

/** `HH:MM` (24 h) → minutes after midnight, or undefined when it is not a time of day. */
export function parseTimeOfDay(text: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

/** The demo clock was asked to go back in time, which would date what the demo recorded in the future. */
export class DemoClockBackwardsError extends Error {
  override readonly name = 'DemoClockBackwardsError';
}

export interface DemoClockOptions {
  /** How far ahead of real time the clock starts (kept from an earlier run: docs/demo.md). */
  startOffsetMs?: number;
}

/**
 * The demo's clock: real time plus an offset a person sets from the simulation panel. The
 * reservation API, the kiosk and the card issuer all read `now`, so "it is 23:30 in Tokyo" holds
 * for the whole demo at once.
 *
 * It only ever moves forward (docs/decisions.md, "The demo clock only moves forward"): everything
 * the demo creates — cards, CRLs, reservations, audit rows, heartbeats, alerts — is dated by this
 * clock, and a jump back would leave those dated after "now", a world no real clock can produce
 * (certificates not valid yet, alerts from the future). So a preset goes to the *next* occurrence
 * of that Japan time, and "real time" is only there while the clock has never been moved ahead.
 */
export class DemoClock {
  private offsetMs: number;
  private readonly listeners = new Set<(now: number) => void>();

  constructor(
    private readonly realNow: () => number = Date.now,
    options: DemoClockOptions = {},
  ) {
    const start = options.startOffsetMs ?? 0;
    if (!Number.isFinite(start) || start < 0)
      throw new RangeError(`not an offset ahead of real time: ${start}`);
    this.offsetMs = start;
  }

  /** Demo time, epoch ms. Bound, so it can be handed around as `now`. */
  readonly now = (): number => this.realNow() + this.offsetMs;

  /** How far the demo time is ahead of real time (0 = real time). Never negative. */
  get offset(): number {
    return this.offsetMs;
  }

  /** True while the demo clock is real time (it has never been moved ahead). */
  get isRealTime(): boolean {
    return this.offsetMs === 0;
  }

  /**
   * Moves the demo forward to the next `minuteOfDay` Japan time: later today if that time is still
   * to come, otherwise tomorrow. When the clock already shows that minute it stays where it is.
   * Returns the new now.
   */
  setJapanTimeOfDay(minuteOfDay: number): number {
    if (!Number.isInteger(minuteOfDay) || minuteOfDay < 0 || minuteOfDay >= 24 * 60) {
      throw new RangeError(`not a minute of the day: ${minuteOfDay}`);
    }
    const now = this.now();
    const sinceMidnight = msSinceJapanMidnight(now);
    if (Math.floor(sinceMidnight / 60_000) === minuteOfDay) return now;
    const japanMidnight = now - sinceMidnight;
    let target = japanMidnight + minuteOfDay * 60_000;
    if (target <= now) target += DAY_MS;
    return this.setOffset(this.offsetMs + (target - now));
  }

  /**
   * Real time, which the clock can only "go back to" while it has never been moved ahead; otherwise
   * it refuses with the reason, so the demo stays a world a real clock could produce.
   */
  useRealTime(): number {
    if (this.offsetMs > 0) {
      throw new DemoClockBackwardsError(
        `the demo clock only moves forward: it is ${formatDuration(this.offsetMs)} ahead of real time, and what ` +
          'the demo recorded since would then lie in the future. Set a later time instead, or start with a new ' +
          '--data directory to be on real time again',
      );
    }
    return this.now();
  }

  /** Moves the clock `ms` ahead (forward only, like every move of the demo clock); returns the new now. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms <= 0)
      throw new RangeError(`the demo clock only moves forward, not by ${ms} ms`);
    return this.setOffset(this.offsetMs + ms);
  }

  /** Calls `listener(now)` after every change of the offset; returns the unsubscribe function. */
  onChange(listener: (now: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setOffset(offsetMs: number): number {
    this.offsetMs = offsetMs;
    const now = this.now();
    for (const listener of this.listeners) listener(now);
    return now;
  }
}
