import { describe, expect, it } from 'vitest';
import { toEnterCurrentPin, toResetting } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

describe('take your card', () => {
  it('follows the result screen while the card is on the reader', async () => {
    const h = new SessionHarness();
    await toResetting(h);
    await h.advance(h.snapshot.context.timing.inactivityLimitMs - 1);
    expect(h.screen).toBe('done');
    await h.advance(1);
    expect(h.screen).toBe('take-card');
  });

  it('alerts the operators when the card is left behind, and clears the alert when it is taken', async () => {
    const h = new SessionHarness();
    await toResetting(h);
    await h.send({ type: 'session.continue' });
    const { cardLeftBehindMs } = h.snapshot.context.timing;
    await h.advance(cardLeftBehindMs - 1);
    expect(h.emittedOf('alert')).toEqual([]);
    await h.advance(1);
    expect(h.emittedOf('alert')).toEqual([{ type: 'alert', alert: 'card-left-behind' }]);
    await h.advance(cardLeftBehindMs * 10);
    expect(h.emittedOf('alert')).toHaveLength(1);
    expect(h.screen).toBe('take-card');
    await h.removeCard();
    expect(h.emittedOf('alert.cleared')).toEqual([{ type: 'alert.cleared', alert: 'card-left-behind' }]);
    expect(h.screen).toBe('idle');
  });

  it('raises no alert for a card taken in time', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.cancelSession();
    expect(h.screen).toBe('take-card');
    await h.removeCard();
    await h.advance(h.snapshot.context.timing.cardLeftBehindMs);
    expect(h.emittedOf('alert')).toEqual([]);
    expect(h.emittedOf('alert.cleared')).toEqual([]);
  });

  it('starts no new session while a card is left behind', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.cancelSession();
    await h.send({ type: 'session.start' });
    expect(h.screen).toBe('take-card');
  });

  it('goes out of service if the reader disappears meanwhile', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.cancelSession();
    await h.send({ type: 'reader.unavailable' });
    expect(h.screen).toBe('out-of-service');
  });
});
