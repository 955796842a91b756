import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE_WINDOW } from '../time/service-window';
import { closingGraceEndsAt, lastServiceWindowClose } from './session-clock';
import { japanTime } from './testing/fixtures';

describe('session clock', () => {
  it("finds the latest 23:00 Japan time: today's after it, yesterday's before it", () => {
    expect(lastServiceWindowClose(japanTime('2025-06-02T23:00'), DEFAULT_SERVICE_WINDOW)).toBe(
      japanTime('2025-06-02T23:00'),
    );
    expect(lastServiceWindowClose(japanTime('2025-06-02T23:59'), DEFAULT_SERVICE_WINDOW)).toBe(
      japanTime('2025-06-02T23:00'),
    );
    expect(lastServiceWindowClose(japanTime('2025-06-03T00:10'), DEFAULT_SERVICE_WINDOW)).toBe(
      japanTime('2025-06-02T23:00'),
    );
    expect(lastServiceWindowClose(japanTime('2025-06-02T22:59:59.999'), DEFAULT_SERVICE_WINDOW)).toBe(
      japanTime('2025-06-01T23:00'),
    );
  });

  it('ends the grace a fixed time after closing', () => {
    expect(closingGraceEndsAt(japanTime('2025-06-02T23:03'), DEFAULT_SERVICE_WINDOW, 5 * 60_000)).toBe(
      japanTime('2025-06-02T23:05'),
    );
  });
});
