import { beforeEach, expect, it } from 'vitest';
import type { KioskEvent } from '../contract';
import { describeOnEachEngine } from '../testing/store-backends';
import type { NewAlert } from './ops-store';
import type { ReservationStore } from './reservation-store';

/**
 * The contract of operator monitoring's store (`ReservationStore.ops`), run against every
 * implementation, as store-contract.test.ts does for the reservation side.
 */

const T0 = Date.parse('2026-11-23T10:00:00+09:00');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describeOnEachEngine('ops store contract', (backend) => {
  let store: ReservationStore;

  async function operator(name: string, role: 'admin' | 'viewer' = 'admin') {
    const created = await store.createOperator({
      id: `op_${name}`,
      name,
      role,
      createdAt: T0,
      tokenHash: `token-of-${name}`,
      actor: 'test',
    });
    if (!created.ok) throw new Error(created.code);
    return created.value;
  }

  function alert(overrides: Partial<NewAlert> = {}): NewAlert {
    return {
      alertId: `al_${Math.random().toString(36).slice(2)}`,
      kind: 'clock-skew',
      severity: 'warning',
      kioskId: 'kiosk-1',
      detail: 'clock 90 s ahead',
      detailKey: 'alert.clockSkew',
      detailParams: { seconds: 90 },
      now: T0,
      ...overrides,
    };
  }

  function ended(id: string, at: number, outcome: string, error?: string): KioskEvent {
    return { id, type: 'session.ended', at, data: { outcome, ...(error ? { error } : {}) } };
  }

  beforeEach(async () => {
    store = await backend.open();
    for (const id of ['kiosk-1', 'kiosk-2']) {
      await store.registerKiosk(
        {
          id,
          chain: 'lawson',
          storeId: 'S1',
          procedures: ['signature-pin'],
          publicKey: 'A'.repeat(43) + '=',
          registeredAt: T0,
          revokedAt: null,
        },
        'operator:test',
      );
    }
  });

  it('refuses a second operator of the same name', async () => {
    await operator('hanako');
    expect(
      await store.createOperator({
        id: 'op_other',
        name: 'hanako',
        role: 'viewer',
        createdAt: T0,
        tokenHash: 'another-token',
        actor: 'test',
      }),
    ).toEqual({ ok: false, code: 'OPERATOR_EXISTS' });
    expect(await store.operatorByTokenHash('token-of-hanako')).toEqual({
      id: 'op_hanako',
      name: 'hanako',
      role: 'admin',
      createdAt: T0,
    });
  });

  it('keeps login sessions: created, read, touched forward only, deleted, pruned when expired or idle', async () => {
    const hanako = await operator('hanako');
    await store.ops.createOperatorSession({
      sessionHash: 's1',
      operatorId: hanako.id,
      now: T0,
      expiresAt: T0 + HOUR,
    });
    await store.ops.createOperatorSession({
      sessionHash: 's2',
      operatorId: hanako.id,
      now: T0,
      expiresAt: T0 + HOUR,
    });
    await store.ops.createOperatorSession({
      sessionHash: 's3',
      operatorId: hanako.id,
      now: T0,
      expiresAt: T0 + 5,
    });
    await store.ops.touchOperatorSession('s1', T0 + 10 * MINUTE);
    await store.ops.touchOperatorSession('s1', T0 + MINUTE);
    expect(await store.ops.operatorSession('s1')).toEqual({
      operator: hanako,
      createdAt: T0,
      lastUsedAt: T0 + 10 * MINUTE,
      expiresAt: T0 + HOUR,
    });
    expect(await store.ops.operatorSession('nope')).toBeUndefined();
    await store.ops.deleteOperatorSession('s2');
    expect(await store.ops.operatorSession('s2')).toBeUndefined();
    await store.ops.createOperatorSession({
      sessionHash: 's4',
      operatorId: hanako.id,
      now: T0,
      expiresAt: T0 + HOUR,
    });
    // s3 is past its expiry, s4 idle since before T0 + 1 min; s1 was used at T0 + 10 min.
    expect(await store.ops.pruneOperatorSessions({ now: T0 + 20, idleBefore: T0 + MINUTE })).toBe(2);
    expect(await store.ops.operatorSession('s1')).toBeDefined();
  });

  it('lists operators by name with their open logins, and revokes one (token refused, logins ended, audited)', async () => {
    const taro = await operator('taro', 'viewer');
    const hanako = await operator('hanako');
    await store.ops.createOperatorSession({
      sessionHash: 'h1',
      operatorId: hanako.id,
      now: T0,
      expiresAt: T0 + HOUR,
    });
    await store.ops.createOperatorSession({
      sessionHash: 'h2',
      operatorId: hanako.id,
      now: T0,
      expiresAt: T0 + 1,
    });
    const listing = await store.ops.listOperators({ now: T0 + 10, idleBefore: T0 - 1 });
    expect(listing.map((o) => [o.name, o.role, o.revoked, o.openLogins])).toEqual([
      ['hanako', 'admin', false, 1],
      ['taro', 'viewer', false, 0],
    ]);
    expect(await store.ops.revokeOperator({ name: 'hanako', actor: 'operator:taro', now: T0 + 20 })).toEqual({
      operatorId: hanako.id,
      sessionsEnded: 2,
    });
    expect(await store.ops.revokeOperator({ name: 'nobody', actor: 'x', now: T0 })).toBeUndefined();
    expect(await store.operatorByTokenHash('token-of-hanako')).toBeUndefined();
    expect(await store.operatorByTokenHash('token-of-taro')).toEqual(taro);
    const after = await store.ops.listOperators({ now: T0 + 30, idleBefore: T0 - 1 });
    expect(after.map((o) => [o.name, o.revoked, o.openLogins])).toEqual([
      ['hanako', true, 0],
      ['taro', false, 0],
    ]);
    const audit = await store.auditEntries({ limit: 100 });
    expect(audit.at(-1)).toMatchObject({
      action: 'operator-revoke',
      actor: 'operator:taro',
      outcome: `operator:${hanako.id}`,
    });
  });

  it('opens one alert per kind and subject, updates, acknowledges once (audited), resolves and prunes', async () => {
    const first = await store.ops.openAlert(alert({ alertId: 'al_1' }));
    expect(first).toMatchObject({
      alertId: 'al_1',
      kind: 'clock-skew',
      kioskId: 'kiosk-1',
      detailParams: { seconds: 90 },
    });
    // The same kind and kiosk again: the open one comes back; another kiosk or the fleet: new ones.
    expect((await store.ops.openAlert(alert({ alertId: 'al_2', now: T0 + 1 }))).alertId).toBe('al_1');
    await store.ops.openAlert(alert({ alertId: 'al_3', kioskId: 'kiosk-2', now: T0 + 2 }));
    await store.ops.openAlert(
      alert({ alertId: 'al_4', kind: 'blocked-pin-spike', severity: 'critical', kioskId: null, now: T0 + 2 }),
    );
    expect((await store.ops.openAlerts()).map((a) => a.alertId)).toEqual(['al_3', 'al_4', 'al_1']);

    const updated = await store.ops.updateAlertDetail({
      alertId: 'al_1',
      detail: 'clock 120 s ahead',
      detailKey: 'alert.clockSkew',
      detailParams: { seconds: 120 },
      now: T0 + 5,
    });
    expect(updated).toMatchObject({
      detail: 'clock 120 s ahead',
      detailParams: { seconds: 120 },
      updatedAt: T0 + 5,
    });
    expect(await store.ops.updateAlertDetail({ ...alert(), alertId: 'nope', now: T0 })).toBeUndefined();

    const acknowledged = await store.ops.acknowledgeAlert({
      alertId: 'al_1',
      operatorName: 'hanako',
      now: T0 + 6,
    });
    expect(acknowledged).toMatchObject({
      ok: true,
      value: { acknowledgedAt: T0 + 6, acknowledgedBy: 'hanako' },
    });
    const again = await store.ops.acknowledgeAlert({ alertId: 'al_1', operatorName: 'taro', now: T0 + 7 });
    expect(again).toMatchObject({ ok: true, value: { acknowledgedAt: T0 + 6, acknowledgedBy: 'hanako' } });
    expect(await store.ops.acknowledgeAlert({ alertId: 'nope', operatorName: 'x', now: T0 })).toEqual({
      ok: false,
      code: 'ALERT_NOT_FOUND',
    });
    const acks = (await store.auditEntries({ limit: 100 })).filter((a) => a.action === 'alert-acknowledge');
    expect(acks).toEqual([
      expect.objectContaining({ actor: 'operator:hanako', kioskId: 'kiosk-1', outcome: 'clock-skew:al_1' }),
    ]);

    expect(await store.ops.resolveAlert({ alertId: 'al_1', now: T0 + 10 })).toMatchObject({
      resolvedAt: T0 + 10,
    });
    expect(await store.ops.resolveAlert({ alertId: 'al_1', now: T0 + 11 })).toMatchObject({
      resolvedAt: T0 + 10,
    });
    // Resolved, the kind and kiosk may open again.
    expect((await store.ops.openAlert(alert({ alertId: 'al_5', now: T0 + 12 }))).alertId).toBe('al_5');
    expect((await store.ops.recentAlerts(10)).map((a) => a.alertId)).toEqual([
      'al_5',
      'al_3',
      'al_4',
      'al_1',
    ]);
    expect((await store.ops.recentAlerts(2)).map((a) => a.alertId)).toEqual(['al_5', 'al_3']);
    expect(await store.ops.pruneResolvedAlerts(T0 + 10)).toBe(0);
    expect(await store.ops.pruneResolvedAlerts(T0 + 11)).toBe(1);
    expect((await store.ops.recentAlerts(10)).map((a) => a.alertId)).not.toContain('al_1');
  });

  it('feeds kiosk events in order after a position, and prunes old ones but never the newest', async () => {
    expect(await store.ops.lastKioskEventSeq()).toBe(0);
    await store.appendKioskEvents({
      kioskId: 'kiosk-1',
      events: [
        { id: 'e1', type: 'session.started', at: T0 },
        { id: 'e2', type: 'reset.completed', at: T0 + 1, data: { procedure: 'signature-pin' } },
      ],
      receivedAt: T0,
    });
    await store.appendKioskEvents({
      kioskId: 'kiosk-2',
      events: [{ id: 'e1', type: 'session.started', at: T0 + 2 }],
      receivedAt: T0 + HOUR,
    });
    const feed = await store.ops.kioskEventsAfter(0, 10);
    expect(feed.map((e) => [e.kioskId, e.id, e.type])).toEqual([
      ['kiosk-1', 'e1', 'session.started'],
      ['kiosk-1', 'e2', 'reset.completed'],
      ['kiosk-2', 'e1', 'session.started'],
    ]);
    expect(feed[1]?.data).toEqual({ procedure: 'signature-pin' });
    expect(feed[0]).not.toHaveProperty('data');
    const last = await store.ops.lastKioskEventSeq();
    expect(last).toBe(feed[2]?.seq);
    expect((await store.ops.kioskEventsAfter(feed[0]?.seq ?? 0, 1)).map((e) => e.id)).toEqual(['e2']);

    expect(await store.ops.pruneKioskEvents({ before: T0 + 2 * HOUR, limit: 1 })).toBe(1);
    expect(await store.ops.pruneKioskEvents({ before: T0 + 2 * HOUR, limit: 10 })).toBe(1);
    // The newest stays, whatever its age: the feed's position never goes back.
    expect((await store.ops.kioskEventsAfter(0, 10)).map((e) => e.seq)).toEqual([last]);
    expect(await store.ops.lastKioskEventSeq()).toBe(last);
  });

  it('rolls ended sessions up per minute, outcome and cause, once per event; counts failures per kiosk and fleet-wide', async () => {
    const events = [
      ended('s1', T0 + 5_000, 'completed'),
      ended('s2', T0 + 10_000, 'failed', 'card-unreadable'),
      ended('s3', T0 + MINUTE + 1, 'failed', 'not-a-customer-error'),
      ended('s4', T0 + MINUTE + 2, 'failed', 'card-unreadable'),
      { id: 's5', type: 'session.ended', at: T0, data: { outcome: 'weird' } },
    ];
    await store.appendKioskEvents({ kioskId: 'kiosk-1', events, receivedAt: T0 + 2 * MINUTE });
    await store.appendKioskEvents({ kioskId: 'kiosk-1', events, receivedAt: T0 + 2 * MINUTE });
    await store.appendKioskEvents({
      kioskId: 'kiosk-2',
      events: [ended('s1', T0 + 3_000, 'failed', 'card-unreadable')],
      receivedAt: T0 + 2 * MINUTE,
    });
    const rollup = await store.ops.sessionRollup({ from: T0, to: T0 + 2 * MINUTE });
    const unreadable = 'card-unreadable';
    expect(rollup).toEqual(
      expect.arrayContaining([
        { bucket: T0, outcome: 'completed', cause: 'none', count: 1 },
        { bucket: T0, outcome: 'failed', cause: unreadable, count: 2 },
        { bucket: T0 + MINUTE, outcome: 'failed', cause: 'other', count: 1 },
        { bucket: T0 + MINUTE, outcome: 'failed', cause: unreadable, count: 1 },
      ]),
    );
    expect(rollup).toHaveLength(4);
    expect(rollup.map((r) => r.bucket)).toEqual([...rollup.map((r) => r.bucket)].sort((a, b) => a - b));
    expect(await store.ops.sessionRollup({ from: T0 + MINUTE, to: T0 + MINUTE })).toEqual([]);
    expect(await store.ops.failedSessionsOfKiosk({ kioskId: 'kiosk-1', from: T0, to: T0 + 2 * MINUTE })).toBe(
      3,
    );
    expect(
      await store.ops.failedSessionsOfKiosk({ kioskId: 'kiosk-1', from: T0 + MINUTE, to: T0 + 2 * MINUTE }),
    ).toBe(2);
    expect(await store.ops.failedSessionsOfKiosk({ kioskId: 'kiosk-1', from: T0, to: T0 + MINUTE })).toBe(1);
    // The same counts for the whole fleet in one query (the monitor's tick), by kiosk and cause.
    const byKiosk = await store.ops.failedSessionsByKioskAndCause({ from: T0, to: T0 + 2 * MINUTE });
    expect(Object.fromEntries(byKiosk)).toEqual({
      'kiosk-1': { [unreadable]: 2, other: 1 },
      'kiosk-2': { [unreadable]: 1 },
    });
    for (const kioskId of ['kiosk-1', 'kiosk-2']) {
      expect(byKiosk.get(kioskId)).toEqual(
        await store.ops.failedSessionsOfKioskByCause({ kioskId, from: T0, to: T0 + 2 * MINUTE }),
      );
    }
    const later = await store.ops.failedSessionsByKioskAndCause({ from: T0 + MINUTE, to: T0 + 2 * MINUTE });
    expect(Object.fromEntries(later)).toEqual({ 'kiosk-1': { [unreadable]: 1, other: 1 } });
    expect(await store.ops.fleetFailures({ cause: unreadable, since: T0 })).toBe(3);
    expect(await store.ops.fleetFailures({ cause: 'other', since: T0 + 2 * MINUTE })).toBe(0);
    expect(await store.ops.pruneSessionRollup(T0 + MINUTE)).toBe(2);
    expect(await store.ops.sessionRollup({ from: 0, to: T0 + DAY })).toHaveLength(2);
  });

  it('counts reservations by status, a due active one as expired, and those created in the last 24 h', async () => {
    const reservation = (n: number, createdAt: number) => ({
      id: `r${n}`,
      tokenHash: `t${n}`,
      cardRef: `card-${n}`,
      proofKeyRef: 'p',
      tokenSerial: 'SERIAL0000000001',
      procedure: 'signature-pin' as const,
      createdAt,
      expiresAt: createdAt + DAY,
    });
    await store.createReservation(reservation(1, T0));
    await store.createReservation(reservation(2, T0 + HOUR));
    await store.createReservation(reservation(3, T0 + 2 * HOUR));
    await store.cancelReservation({ reservationId: 'r3', tokenHash: 't3', now: T0 + 2 * HOUR });
    expect(await store.ops.reservationStats(T0 + DAY)).toEqual({
      active: 1,
      claimed: 0,
      completed: 0,
      expired: 1,
      cancelled: 1,
      superseded: 0,
      createdLast24h: 2,
    });
  });

  it('counts audited refusals of one code from a time on (possible-attack alerts)', async () => {
    const refuse = (code: 'CARD_MISMATCH' | 'PROOF_INVALID', now: number) =>
      store.auditRefusal({
        actor: 'phone',
        kioskId: null,
        reservationId: null,
        action: 'reserve',
        code,
        now,
      });
    await refuse('CARD_MISMATCH', T0 - HOUR);
    await refuse('CARD_MISMATCH', T0);
    await refuse('CARD_MISMATCH', T0 + MINUTE);
    await refuse('PROOF_INVALID', T0);
    expect(await store.ops.auditedRefusals({ code: 'CARD_MISMATCH', since: T0 })).toBe(2);
    expect(await store.ops.auditedRefusals({ code: 'CARD_MISMATCH', since: T0 - DAY })).toBe(3);
    expect(await store.ops.auditedRefusals({ code: 'PROOF_INVALID', since: T0 })).toBe(1);
    expect(await store.ops.auditedRefusals({ code: 'CARD_MISMATCH', since: T0 + HOUR })).toBe(0);
  });
});
