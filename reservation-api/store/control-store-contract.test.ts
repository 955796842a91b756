import { beforeEach, expect, it } from 'vitest';
import { describeOnEachEngine } from '../testing/store-backends';
import type { ReservationStore } from './reservation-store';

/**
 * The contract of the kiosk control store (`ReservationStore.controls`: remote actions, the kiosk
 * page's reads, audit search, the funnel), run against every implementation.
 */

const T0 = Date.parse('2026-11-23T10:00:00+09:00');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describeOnEachEngine('kiosk control store contract', (backend) => {
  let store: ReservationStore;

  beforeEach(async () => {
    store = await backend.open();
    await store.registerKiosk(
      {
        id: 'kiosk-1',
        chain: 'lawson',
        storeId: 'S1',
        procedures: ['signature-pin'],
        publicKey: 'A'.repeat(43) + '=',
        registeredAt: T0,
        revokedAt: null,
      },
      'operator:test',
    );
  });

  it('keeps maintenance on and off with its audit rows; unknown kiosks are refused', async () => {
    expect(await store.controls.control('kiosk-1')).toEqual({
      kioskId: 'kiosk-1',
      maintenance: null,
      selfTest: null,
    });
    expect(await store.controls.control('nope')).toBeUndefined();
    expect(
      await store.controls.setMaintenance({ kioskId: 'nope', reason: 'x', operator: 'a', now: T0 }),
    ).toEqual({
      ok: false,
      code: 'KIOSK_NOT_FOUND',
    });
    const on = await store.controls.setMaintenance({
      kioskId: 'kiosk-1',
      reason: 'glass broken',
      operator: 'hanako',
      now: T0,
    });
    expect(on).toEqual({
      ok: true,
      value: {
        kioskId: 'kiosk-1',
        maintenance: { reason: 'glass broken', since: T0, by: 'hanako' },
        selfTest: null,
      },
    });
    expect((await store.controls.activeControls()).map((c) => c.kioskId)).toEqual(['kiosk-1']);
    await store.controls.setMaintenance({
      kioskId: 'kiosk-1',
      reason: null,
      operator: 'hanako',
      now: T0 + MINUTE,
    });
    expect(await store.controls.activeControls()).toEqual([]);
    const trail = await store.controls.searchAudit({ kioskId: 'kiosk-1', from: T0, limit: 10 });
    expect(trail.map((e) => [e.action, e.actor, e.at])).toEqual([
      ['kiosk-register', 'operator:test', T0],
      ['kiosk-out-of-service', 'operator:hanako', T0],
      ['kiosk-in-service', 'operator:hanako', T0 + MINUTE],
    ]);
  });

  it('records a self-test result once, for the current test only', async () => {
    await store.controls.requestSelfTest({
      kioskId: 'kiosk-1',
      testId: 'tst_aaaaaaaa',
      operator: 'hanako',
      now: T0,
    });
    await store.controls.requestSelfTest({
      kioskId: 'kiosk-1',
      testId: 'tst_bbbbbbbb',
      operator: 'hanako',
      now: T0,
    });
    const report = {
      kioskId: 'kiosk-1',
      result: 'failed' as const,
      detail: 'reader absent',
      now: T0 + MINUTE,
    };
    expect(await store.controls.recordSelfTest({ ...report, testId: 'tst_aaaaaaaa' })).toBe(false);
    expect(await store.controls.recordSelfTest({ ...report, testId: 'tst_bbbbbbbb' })).toBe(true);
    expect(await store.controls.recordSelfTest({ ...report, testId: 'tst_bbbbbbbb' })).toBe(false);
    expect((await store.controls.control('kiosk-1'))?.selfTest).toEqual({
      testId: 'tst_bbbbbbbb',
      requestedAt: T0,
      requestedBy: 'hanako',
      result: 'failed',
      detail: 'reader absent',
      reportedAt: T0 + MINUTE,
    });
    expect(await store.controls.activeControls()).toEqual([]);
  });

  it('rotates a key, refusing unknown and revoked kiosks', async () => {
    const rotated = await store.controls.rotateKioskKey({
      kioskId: 'kiosk-1',
      publicKey: 'B'.repeat(43) + '=',
      operator: 'hanako',
      now: T0,
    });
    expect(rotated.ok && rotated.value.publicKey).toBe('B'.repeat(43) + '=');
    expect((await store.getKiosk('kiosk-1'))?.publicKey).toBe('B'.repeat(43) + '=');
    await store.revokeKiosk({ kioskId: 'kiosk-1', actor: 'operator:hanako', now: T0 });
    expect(
      await store.controls.rotateKioskKey({
        kioskId: 'kiosk-1',
        publicKey: 'C'.repeat(43) + '=',
        operator: 'h',
        now: T0,
      }),
    ).toEqual({ ok: false, code: 'KIOSK_REVOKED' });
  });

  it("reads a kiosk's events by receipt and searches the audit by reservation, kiosk and period", async () => {
    await store.appendKioskEvents({
      kioskId: 'kiosk-1',
      events: [{ id: 'evt-00000001', type: 'session.ended', at: T0, data: { outcome: 'completed' } }],
      receivedAt: T0 + 1,
    });
    expect(await store.controls.kioskEvents({ kioskId: 'kiosk-1', from: T0, to: T0 + 2, limit: 10 })).toEqual(
      [
        {
          eventId: 'evt-00000001',
          type: 'session.ended',
          at: T0,
          receivedAt: T0 + 1,
          data: { outcome: 'completed' },
        },
      ],
    );
    expect(
      await store.controls.kioskEvents({ kioskId: 'kiosk-1', from: T0 + 2, to: T0 + 3, limit: 10 }),
    ).toEqual([]);
    await store.createReservation({
      id: 'res_00000001',
      tokenHash: 'h1',
      cardRef: 'card-1',
      proofKeyRef: 'key-1',
      tokenSerial: 'SERIAL0000000001',
      procedure: 'signature-pin',
      createdAt: T0 + HOUR,
      expiresAt: T0 + HOUR + DAY,
    });
    expect(
      (await store.controls.searchAudit({ reservationId: 'res_00000001', limit: 10 })).map((e) => e.action),
    ).toEqual(['create']);
    expect(await store.controls.searchAudit({ kioskId: 'kiosk-1', from: T0 + 1, limit: 10 })).toEqual([]);
    // The funnel: made that day, never used, expired by the next.
    expect(
      await store.controls.funnel({ from: T0 - 10 * HOUR, to: T0 + 14 * HOUR, now: T0 + 2 * DAY }),
    ).toEqual([
      {
        day: '2026-11-23',
        procedure: 'signature-pin',
        chain: 'none',
        reservations: 1,
        lookups: 0,
        verified: 0,
        completed: 0,
        expiredUnused: 1,
      },
    ]);
  });
});
