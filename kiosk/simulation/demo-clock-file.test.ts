import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DemoClock } from './demo-clock';
import { keepDemoClockSaved, loadDemoClockOffset } from './demo-clock-file';

const REAL = Date.parse('2026-11-24T16:07:30+09:00');
let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'demo-clock-file-'));
  path = join(dir, 'demo', 'clock.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the demo clock kept in the data directory', () => {
  it('is real time when nothing was kept', () => {
    expect(loadDemoClockOffset(path, REAL)).toBe(0);
  });

  it('goes on from where a run left it: a restart is never earlier than the last demo now', () => {
    let real = REAL;
    const clock = new DemoClock(() => real);
    const stop = keepDemoClockSaved(path, clock);
    clock.setJapanTimeOfDay(10 * 60); // tomorrow 10:00: 17 h 52 min 30 s ahead
    real += 60_000;
    stop();
    const lastDemoNow = clock.now();

    // Restarted an hour later: the same offset, so the demo is an hour later too.
    const later = new DemoClock(() => real + 3_600_000, {
      startOffsetMs: loadDemoClockOffset(path, real + 3_600_000),
    });
    expect(later.now()).toBe(lastDemoNow + 3_600_000);

    // Restarted after the machine's clock was set back a day: still not before the last demo now.
    const setBack = real - 24 * 3_600_000;
    expect(setBack + loadDemoClockOffset(path, setBack)).toBe(lastDemoNow);
  });

  it('saves every change as it happens (a crash keeps the last jump)', () => {
    const clock = new DemoClock(() => REAL);
    keepDemoClockSaved(path, clock);
    clock.setJapanTimeOfDay(23 * 60 + 30);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      offsetMs: clock.offset,
      demoNowMs: Date.parse('2026-11-24T23:30:00+09:00'),
    });
  });

  it('refuses a file that is not a demo clock (e.g. a negative offset) instead of guessing', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ offsetMs: -5, demoNowMs: REAL }));
    expect(() => loadDemoClockOffset(join(dir, 'bad.json'), REAL)).toThrow(/not a demo clock file/);
  });
});
