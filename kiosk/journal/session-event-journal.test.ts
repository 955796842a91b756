import { describe, expect, it } from 'vitest';
import { kioskEventOf } from './session-event-journal';

describe('session facts as API events', () => {
  it('carries the outcome, procedure and error code of an ended session', () => {
    expect(
      kioskEventOf(
        { type: 'session.ended', outcome: 'failed', procedure: 'auth-pin', error: 'reservation-used' },
        42,
        'event-0001',
      ),
    ).toEqual({
      id: 'event-0001',
      type: 'session.ended',
      at: 42,
      data: { outcome: 'failed', procedure: 'auth-pin', error: 'reservation-used' },
    });
  });

  it('carries the alert name of alerts and their clearing', () => {
    expect(kioskEventOf({ type: 'alert', alert: 'card-left-behind' }, 7, 'event-0002')).toEqual({
      id: 'event-0002',
      type: 'alert',
      at: 7,
      data: { alert: 'card-left-behind' },
    });
    expect(kioskEventOf({ type: 'session.started' }, 7, 'event-0003')).toEqual({
      id: 'event-0003',
      type: 'session.started',
      at: 7,
    });
  });
});
