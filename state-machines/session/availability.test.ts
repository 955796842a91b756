import { describe, expect, it } from 'vitest';
import { toEnterCurrentPin, toResetting } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

describe('out of service (reader or API down)', () => {
  it('starts out of service until the reader is ready', async () => {
    const h = new SessionHarness({ readerReady: false });
    expect(h.screen).toBe('out-of-service');
    await h.send({ type: 'session.start' });
    expect(h.screen).toBe('out-of-service');
    await h.send({ type: 'reader.ready' });
    expect(h.screen).toBe('idle');
  });

  it('goes out of service while the API is unreachable, and back when it returns', async () => {
    const h = new SessionHarness();
    await h.send({ type: 'api.unavailable' });
    expect(h.screen).toBe('out-of-service');
    await h.send({ type: 'reader.unavailable' });
    await h.send({ type: 'api.available' });
    expect(h.screen).toBe('out-of-service');
    await h.send({ type: 'reader.ready' });
    expect(h.screen).toBe('idle');
  });

  it('ends a session whose reader disappears: reader-unavailable, nothing on the card changed', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.type('12');
    await h.send({ type: 'reader.unavailable' });
    expect(h.view.error).toMatchObject({ code: 'reader-unavailable', nextStep: 'ask-staff' });
    expect(h.pins.empty).toBe(true);
    await h.send({ type: 'session.continue' });
    expect(h.screen).toBe('out-of-service');
  });

  it('lets a session under way finish when only the API health check fails (its own calls decide)', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.send({ type: 'api.unavailable' });
    expect(h.screen).toBe('enter-current-pin');
  });

  it('does not stop a reset when the reader is reported lost: the step in flight fails and releases', async () => {
    const h = new SessionHarness();
    h.actors.setDefault('setNewPin', undefined);
    await toResetting(h);
    await h.send({ type: 'reader.unavailable' });
    expect(h.screen).toBe('resetting');
    h.actors.complete('setNewPin', { failure: 'reader-unavailable' });
    await h.settle();
    expect(h.view.error?.code).toBe('reader-unavailable');
    expect(h.actors.callsOf('settleClaim').map((call) => call.input)).toEqual([
      { outcome: 'release', reason: 'reset-failed' },
    ]);
  });
});

describe('a kiosk with nothing to offer', () => {
  it('is out of service rather than showing a start button that does nothing', () => {
    const h = new SessionHarness({ input: { offeredProcedures: [] } });
    expect(h.screen).toBe('out-of-service');
  });
});
