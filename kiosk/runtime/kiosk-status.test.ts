import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { readerMachine } from '../../state-machines/reader';
import { DEFAULT_TIMING } from '../../state-machines/session';
import { toEnterCurrentPin } from '../../state-machines/session/testing/flows';
import { SessionHarness } from '../../state-machines/session/testing/session-harness';
import { Outbox } from '../journal/outbox';
import { KioskStatus } from './kiosk-status';

function kioskWithStatus() {
  const h = new SessionHarness();
  const reader = createActor(readerMachine, { input: {} }).start();
  reader.send({ type: 'reader.added', reader: 'R' });
  const outbox = Outbox.open(':memory:', { now: () => 42 });
  const status = new KioskStatus({ session: h.actor, reader, outbox, now: () => 42, version: 'v-test' });
  return { h, reader, outbox, status };
}

describe('kiosk status (heartbeats)', () => {
  it('reports the card left behind while it is, and counts the session', async () => {
    const { h, reader, status } = kioskWithStatus();
    expect(status.heartbeat()).toEqual({
      state: 'idle',
      reader: 'ready',
      cardPresent: false,
      version: 'v-test',
      clock: 42,
      counters: {
        sessions_started: 0,
        sessions_completed: 0,
        sessions_cancelled: 0,
        sessions_failed: 0,
        outbox_pending: 0,
        outbox_rejected: 0,
      },
      alerts: [],
    });
    await toEnterCurrentPin(h);
    reader.send({ type: 'card.inserted', reader: 'R', atr: '3B' });
    await h.send({ type: 'session.cancel' });
    expect(h.screen).toBe('take-card');
    await h.advance(DEFAULT_TIMING.cardLeftBehindMs);
    expect(status.heartbeat()).toMatchObject({
      state: 'take-card',
      cardPresent: true,
      counters: { sessions_started: 1, sessions_cancelled: 1 },
      alerts: ['card-left-behind'],
    });
    await h.removeCard();
    expect(status.alerts()).toEqual([]);
  });

  it('derives reader-unavailable and outbox-rejected', () => {
    const { reader, outbox, status } = kioskWithStatus();
    reader.send({ type: 'service.unavailable', reason: 'pcscd stopped' });
    const id = outbox.enqueue({ kind: 'complete', claimId: 'clm_1' });
    outbox.markRejected(id, 'LEASE_INVALID');
    expect(status.heartbeat()).toMatchObject({
      reader: 'unavailable',
      counters: { outbox_rejected: 1 },
      alerts: ['outbox-rejected', 'reader-unavailable'],
    });
  });
});
