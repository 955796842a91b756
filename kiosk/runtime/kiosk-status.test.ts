import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { readerMachine } from '../../state-machines/reader';
import { DEFAULT_TIMING } from '../../state-machines/session';
import { toEnterCurrentPin, toResetting } from '../../state-machines/session/testing/flows';
import { SessionHarness } from '../../state-machines/session/testing/session-harness';
import { Outbox } from '../journal/outbox';
import { KioskStatus } from './kiosk-status';

function kioskWithStatus(outbox = Outbox.open(':memory:', { now: () => 42 })) {
  const h = new SessionHarness();
  const reader = createActor(readerMachine, { input: {} }).start();
  reader.send({ type: 'reader.added', reader: 'R' });
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
      os: expect.any(String) as unknown,
      readerModel: expect.any(String) as unknown,
    });
    await toEnterCurrentPin(h);
    reader.send({ type: 'card.inserted', reader: 'R', atr: '3B' });
    await h.cancelSession();
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

  it('reports settlement-not-recorded while the outbox holds a settlement it failed to deliver', () => {
    const { outbox, status } = kioskWithStatus();
    const complete = outbox.enqueue({ kind: 'complete', claimId: 'clm_1' });
    const release = outbox.enqueue({ kind: 'release', claimId: 'clm_2', reason: 'reset-failed' });
    // Delivery not tried yet: no alert.
    expect(status.alerts()).toEqual([]);

    outbox.markRetry(complete, 'NETWORK_ERROR');
    outbox.markRetry(release, 'NETWORK_ERROR');
    expect(status.heartbeat()).toMatchObject({
      counters: { outbox_pending: 2 },
      alerts: ['settlement-not-recorded'],
    });
    outbox.markDelivered(complete);
    expect(status.alerts()).toEqual(['settlement-not-recorded']);
    // The API refused the other for good: outbox-rejected says so instead.
    outbox.markRejected(release, 'LEASE_INVALID');
    expect(status.alerts()).toEqual(['outbox-rejected']);
  });

  it('raises settlement-not-recorded again after a restart while the settlement is still undelivered', () => {
    const directory = mkdtempSync(join(tmpdir(), 'kiosk-status-'));
    try {
      const path = join(directory, 'kiosk-journal.sqlite');
      const first = kioskWithStatus(Outbox.open(path, { now: () => 42 }));
      const id = first.outbox.enqueue({ kind: 'complete', claimId: 'clm_1' });
      first.outbox.markRetry(id, 'NETWORK_ERROR');
      expect(first.status.alerts()).toEqual(['settlement-not-recorded']);
      first.status.stop();
      first.outbox.close();

      // A new process: new machine, new status, the same journal file.
      const restarted = kioskWithStatus(Outbox.open(path, { now: () => 42 }));
      expect(restarted.status.alerts()).toEqual(['settlement-not-recorded']);
      restarted.outbox.markDelivered(id);
      expect(restarted.status.alerts()).toEqual([]);
      restarted.outbox.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("keeps the machine's settlement-not-recorded (the journal write failed) until the process ends", async () => {
    const { h, outbox, status } = kioskWithStatus();
    h.actors.reply('settleClaim', { error: new Error('disk full') });
    await toResetting(h);
    expect(h.screen).toBe('done');
    // Nothing reached the outbox, so nothing there can end it; recovery settles the claim at restart.
    expect(outbox.counts()).toEqual({ pending: 0, delivered: 0, rejected: 0 });
    expect(status.alerts()).toEqual(['settlement-not-recorded']);
    const other = outbox.enqueue({ kind: 'complete', claimId: 'clm_other' });
    outbox.markDelivered(other);
    expect(status.alerts()).toEqual(['settlement-not-recorded']);
  });
});
