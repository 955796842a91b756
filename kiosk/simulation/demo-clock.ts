import {
  formatJapanTime,
  JST_OFFSET_MS,
  msSinceJapanMidnight,
} from '../../state-machines/time/service-window';

/** `2026-11-24 23:30 JST`: a demo instant as the panel and the phone step show it. */
export function formatJapanDateTime(epochMs: number): string {
  const day = new Date(epochMs + JST_OFFSET_MS).toISOString().slice(0, 10);
  return `${day} ${formatJapanTime(Math.floor(msSinceJapanMidnight(epochMs) / 60_000))} JST`;
}

/** `HH:MM` (24 h) → minutes after midnight, or undefined when it is not a time of day. */
export function parseTimeOfDay(text: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * The demo's clock: real time plus an offset a person sets from the simulation panel. The
 * reservation API and the kiosk both read `now`, so "it is 23:30 in Tokyo" holds for the whole
 * demo at once (the kiosk's service window and the API's claim check agree). Default: real time.
 */
export class DemoClock {
  private offsetMs = 0;
  private readonly listeners = new Set<(now: number) => void>();

  constructor(private readonly realNow: () => number = Date.now) {}

  /** Demo time, epoch ms. Bound, so it can be handed around as `now`. */
  readonly now = (): number => this.realNow() + this.offsetMs;

  /** How far the demo time is from real time (0 = real time). */
  get offset(): number {
    return this.offsetMs;
  }

  /** Moves the demo to `minuteOfDay` Japan time on today's Japan date (of the real clock); returns the new now. */
  setJapanTimeOfDay(minuteOfDay: number): number {
    if (!Number.isInteger(minuteOfDay) || minuteOfDay < 0 || minuteOfDay >= 24 * 60) {
      throw new RangeError(`not a minute of the day: ${minuteOfDay}`);
    }
    const real = this.realNow();
    const japanMidnight = real - msSinceJapanMidnight(real);
    return this.setOffset(japanMidnight + minuteOfDay * 60_000 - real);
  }

  /** Back to real time. */
  useRealTime(): number {
    return this.setOffset(0);
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
