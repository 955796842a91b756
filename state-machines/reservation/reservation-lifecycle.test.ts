import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import {
  isFinalStatus,
  nextReservationState,
  RESERVATION_STATUSES,
  type ReservationEvent,
  type ReservationState,
  type ReservationStatus,
  reservationLifecycle,
} from './reservation-lifecycle';

const CREATED = Date.parse('2026-11-23T10:00:00+09:00');
const EXPIRES = CREATED + 24 * 60 * 60 * 1000;
const LEASE_MS = 2 * 60 * 1000;

const active: ReservationState = { status: 'active', facts: { expiresAt: EXPIRES, leaseExpiresAt: null } };
const claimedAt = (now: number): ReservationState => ({
  status: 'claimed',
  facts: { expiresAt: EXPIRES, leaseExpiresAt: now + LEASE_MS },
});

describe('reservation lifecycle', () => {
  it('reaches every status, each by the shortest path the design names', () => {
    const events: ReservationEvent[] = [
      { type: 'CLAIM', now: CREATED + 1, leaseExpiresAt: CREATED + 1 + LEASE_MS },
      { type: 'RELEASE' },
      { type: 'LEASE_LAPSE', now: CREATED + 1 + LEASE_MS },
      { type: 'COMPLETE' },
      { type: 'EXPIRE', now: EXPIRES },
      { type: 'CANCEL', now: CREATED + 1 },
      { type: 'SUPERSEDE', now: CREATED + 1 },
    ];
    const paths = getShortestPaths(reservationLifecycle, {
      events,
      input: { expiresAt: EXPIRES, leaseExpiresAt: null },
    });
    const routes = Object.fromEntries(
      paths.map((path) => [path.state.value as string, path.steps.slice(1).map((step) => step.event.type)]),
    );
    expect(routes).toEqual({
      active: [],
      claimed: ['CLAIM'],
      completed: ['CLAIM', 'COMPLETE'],
      expired: ['EXPIRE'],
      cancelled: ['CANCEL'],
      superseded: ['SUPERSEDE'],
    });
  });

  it('may be claimed until the last millisecond before created + 24 h, never at it', () => {
    expect(
      nextReservationState(active, { type: 'CLAIM', now: EXPIRES - 1, leaseExpiresAt: EXPIRES + LEASE_MS }),
    ).toEqual({ status: 'claimed', facts: { expiresAt: EXPIRES, leaseExpiresAt: EXPIRES + LEASE_MS } });
    expect(
      nextReservationState(active, { type: 'CLAIM', now: EXPIRES, leaseExpiresAt: EXPIRES + LEASE_MS }),
    ).toBe(undefined);
  });

  it('expires at exactly created + 24 h, not a millisecond earlier', () => {
    expect(nextReservationState(active, { type: 'EXPIRE', now: EXPIRES - 1 })).toBeUndefined();
    expect(nextReservationState(active, { type: 'EXPIRE', now: EXPIRES })?.status).toBe('expired');
  });

  it('lets a claim made before expiry complete after it', () => {
    const claimed = nextReservationState(active, {
      type: 'CLAIM',
      now: EXPIRES - 1,
      leaseExpiresAt: EXPIRES - 1 + LEASE_MS,
    });
    expect(claimed?.status).toBe('claimed');
    expect(nextReservationState(claimed!, { type: 'EXPIRE', now: EXPIRES + 10 })).toBeUndefined();
    expect(nextReservationState(claimed!, { type: 'COMPLETE' })).toEqual({
      status: 'completed',
      facts: { expiresAt: EXPIRES, leaseExpiresAt: null },
    });
  });

  it('returns a claim to active on release at any time, and on lease lapse only once the lease is over', () => {
    const now = CREATED + 1000;
    expect(nextReservationState(claimedAt(now), { type: 'RELEASE' })).toEqual(active);
    expect(
      nextReservationState(claimedAt(now), { type: 'LEASE_LAPSE', now: now + LEASE_MS - 1 }),
    ).toBeUndefined();
    expect(nextReservationState(claimedAt(now), { type: 'LEASE_LAPSE', now: now + LEASE_MS })).toEqual(
      active,
    );
  });

  it('cannot be claimed twice, nor cancelled or superseded while claimed', () => {
    const now = CREATED + 1000;
    const claimed = claimedAt(now);
    expect(
      nextReservationState(claimed, { type: 'CLAIM', now, leaseExpiresAt: now + LEASE_MS }),
    ).toBeUndefined();
    expect(nextReservationState(claimed, { type: 'CANCEL', now })).toBeUndefined();
    expect(nextReservationState(claimed, { type: 'SUPERSEDE', now })).toBeUndefined();
  });

  it('cannot cancel or supersede once 24 h are up (it expires instead)', () => {
    expect(nextReservationState(active, { type: 'CANCEL', now: EXPIRES })).toBeUndefined();
    expect(nextReservationState(active, { type: 'SUPERSEDE', now: EXPIRES })).toBeUndefined();
    expect(nextReservationState(active, { type: 'CANCEL', now: EXPIRES - 1 })?.status).toBe('cancelled');
  });

  it('completes only from claimed', () => {
    expect(nextReservationState(active, { type: 'COMPLETE' })).toBeUndefined();
  });

  it('never leaves a final status, whatever the event', () => {
    const finals: ReservationStatus[] = ['completed', 'expired', 'cancelled', 'superseded'];
    const anyEvent: ReservationEvent[] = [
      { type: 'CLAIM', now: CREATED, leaseExpiresAt: CREATED + LEASE_MS },
      { type: 'RELEASE' },
      { type: 'LEASE_LAPSE', now: EXPIRES * 2 },
      { type: 'COMPLETE' },
      { type: 'EXPIRE', now: EXPIRES * 2 },
      { type: 'CANCEL', now: CREATED },
      { type: 'SUPERSEDE', now: CREATED },
    ];
    for (const status of finals) {
      expect(isFinalStatus(status)).toBe(true);
      for (const event of anyEvent) {
        expect(nextReservationState({ status, facts: active.facts }, event)).toBeUndefined();
      }
    }
    expect(RESERVATION_STATUSES.filter((s) => !isFinalStatus(s))).toEqual(['active', 'claimed']);
  });

  it("answers as xstate's own pure transition() does, for every status, event and moment", () => {
    const moments = [CREATED, EXPIRES - 1, EXPIRES, EXPIRES + LEASE_MS, EXPIRES + LEASE_MS + 1];
    const leases = [null, CREATED + LEASE_MS, EXPIRES + LEASE_MS];
    let compared = 0;
    for (const status of RESERVATION_STATUSES) {
      for (const leaseExpiresAt of leases) {
        const state: ReservationState = { status, facts: { expiresAt: EXPIRES, leaseExpiresAt } };
        const events: ReservationEvent[] = [
          { type: 'RELEASE' },
          { type: 'COMPLETE' },
          ...moments.flatMap((now): ReservationEvent[] => [
            { type: 'CLAIM', now, leaseExpiresAt: now + LEASE_MS },
            { type: 'LEASE_LAPSE', now },
            { type: 'EXPIRE', now },
            { type: 'CANCEL', now },
            { type: 'SUPERSEDE', now },
          ]),
        ];
        for (const event of events) {
          const snapshot = reservationLifecycle.resolveState({ value: status, context: state.facts });
          const [reference] = transition(reservationLifecycle, snapshot, event);
          const expected = snapshot.can(event)
            ? { status: reference.value, facts: reference.context }
            : undefined;
          expect(nextReservationState(state, event)).toEqual(expected);
          compared += 1;
        }
      }
    }
    expect(compared).toBe(RESERVATION_STATUSES.length * leases.length * (2 + moments.length * 5));
  });
});
