import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomically } from '../../hardware/pki/atomic-files';
import type { DemoClock } from './demo-clock';

/**
 * The demo clock's place in time, kept in the data directory (`DATA/demo/clock.json`) so that a
 * restarted `npm start` goes on from where the last run left the clock, never back: the cards,
 * reservations and audit of that data directory were dated by it.
 */
interface SavedDemoClock {
  /** How far ahead of real time the clock was. */
  offsetMs: number;
  /** The last demo now written: a floor, in case the machine's real clock was set back meanwhile. */
  demoNowMs: number;
}

function isSavedDemoClock(value: unknown): value is SavedDemoClock {
  const saved = value as Partial<SavedDemoClock> | null;
  return (
    typeof saved === 'object' &&
    saved !== null &&
    Number.isFinite(saved.offsetMs) &&
    Number.isFinite(saved.demoNowMs) &&
    (saved.offsetMs ?? -1) >= 0
  );
}

/** The offset a clock starting now must have so it is no earlier than the saved one (0 when nothing was saved). */
export function loadDemoClockOffset(path: string, realNow: number): number {
  if (!existsSync(path)) return 0;
  const saved: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isSavedDemoClock(saved))
    throw new Error(`${path} is not a demo clock file; remove it only with its data directory`);
  return Math.max(saved.offsetMs, saved.demoNowMs - realNow, 0);
}

/** Writes the clock's place now; atomically, so a crash never leaves half a file. */
export function saveDemoClock(path: string, clock: DemoClock): void {
  mkdirSync(dirname(path), { recursive: true });
  const saved: SavedDemoClock = { offsetMs: clock.offset, demoNowMs: clock.now() };
  writeFileAtomically(path, `${JSON.stringify(saved)}\n`, 0o644);
}

/** Saves the clock at every change, and returns the function that saves it once more and stops. */
export function keepDemoClockSaved(path: string, clock: DemoClock): () => void {
  saveDemoClock(path, clock);
  const stop = clock.onChange(() => saveDemoClock(path, clock));
  return () => {
    stop();
    saveDemoClock(path, clock);
  };
}
