import { type AnyActorScope, assign, createActor, setup } from 'xstate';

/**
 * The reservation lifecycle (DESIGN §4): active → claimed → completed; claimed → active on release
 * or lease lapse; active → expired | cancelled | superseded. Pure: the store asks it whether an
 * event may happen to a reservation in a given state, and what the state becomes. Time comes in on
 * the events (`now`), so the rules are exact at the edges: usable while now < expiresAt.
 */

export const RESERVATION_STATUSES = [
  'active',
  'claimed',
  'completed',
  'expired',
  'cancelled',
  'superseded',
] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/** The facts the rules need. */
export interface ReservationFacts {
  /** created + 24 h; the reservation is usable while now < expiresAt. */
  expiresAt: number;
  /** End of the current claim's lease; null when not claimed. */
  leaseExpiresAt: number | null;
}

export type ReservationEvent =
  /** A kiosk claims it (atomically, before expiry) for a lease ending at leaseExpiresAt. */
  | { type: 'CLAIM'; now: number; leaseExpiresAt: number }
  /** The claiming kiosk hands it back (reset not done). */
  | { type: 'RELEASE' }
  /** The lease ran out without complete or release; only once now ≥ leaseExpiresAt. */
  | { type: 'LEASE_LAPSE'; now: number }
  /** The claiming kiosk reports the reset done. A claim made before expiry may complete after it. */
  | { type: 'COMPLETE' }
  /** 24 hours are up: only once now ≥ expiresAt. */
  | { type: 'EXPIRE'; now: number }
  /** The user cancels it in the app (before expiry). */
  | { type: 'CANCEL'; now: number }
  /** A newer reservation of the same card and procedure replaces it (before expiry). */
  | { type: 'SUPERSEDE'; now: number };

export const reservationLifecycle = setup({
  types: {
    context: {} as ReservationFacts,
    events: {} as ReservationEvent,
    input: {} as ReservationFacts,
  },
  guards: {
    beforeExpiry: ({ context, event }) => 'now' in event && event.now < context.expiresAt,
    expiryReached: ({ context, event }) => 'now' in event && event.now >= context.expiresAt,
    leaseLapsed: ({ context, event }) =>
      'now' in event && context.leaseExpiresAt !== null && event.now >= context.leaseExpiresAt,
  },
  actions: {
    startLease: assign({
      leaseExpiresAt: ({ event }) => (event.type === 'CLAIM' ? event.leaseExpiresAt : null),
    }),
    endLease: assign({ leaseExpiresAt: null }),
  },
}).createMachine({
  id: 'reservation',
  context: ({ input }) => input,
  initial: 'active',
  states: {
    active: {
      on: {
        CLAIM: { guard: 'beforeExpiry', target: 'claimed', actions: 'startLease' },
        EXPIRE: { guard: 'expiryReached', target: 'expired' },
        CANCEL: { guard: 'beforeExpiry', target: 'cancelled' },
        SUPERSEDE: { guard: 'beforeExpiry', target: 'superseded' },
      },
    },
    claimed: {
      on: {
        COMPLETE: { target: 'completed', actions: 'endLease' },
        RELEASE: { target: 'active', actions: 'endLease' },
        LEASE_LAPSE: { guard: 'leaseLapsed', target: 'active', actions: 'endLease' },
      },
    },
    completed: { type: 'final' },
    expired: { type: 'final' },
    cancelled: { type: 'final' },
    superseded: { type: 'final' },
  },
});

export interface ReservationState {
  status: ReservationStatus;
  facts: ReservationFacts;
}

/**
 * The scope the store's pure transitions run in, made once. xstate's `transition()` builds a new
 * inert actor for every call (~45 µs here — most of the lifecycle's cost per request, issue 13);
 * this machine's only actions are `assign`s, which the transition itself applies, so one scope
 * whose effects all do nothing serves every call. The test checks it against `transition()`.
 */
const PURE_SCOPE: AnyActorScope = (() => {
  const self = createActor(reservationLifecycle, { input: { expiresAt: 0, leaseExpiresAt: null } });
  const nothing = () => {};
  return {
    self,
    system: self.system,
    id: '',
    sessionId: '',
    logger: nothing,
    defer: nothing,
    stopChild: nothing,
    emit: nothing,
    actionExecutor: nothing,
  } as unknown as AnyActorScope;
})();

/** The state after `event`, or undefined when the lifecycle does not allow it. */
export function nextReservationState(
  state: ReservationState,
  event: ReservationEvent,
): ReservationState | undefined {
  const snapshot = reservationLifecycle.resolveState({ value: state.status, context: state.facts });
  if (!snapshot.can(event)) return undefined;
  const next = reservationLifecycle.transition(snapshot, event, PURE_SCOPE);
  return { status: next.value as ReservationStatus, facts: next.context };
}

/** True when nothing can ever happen to a reservation in this status again. */
export function isFinalStatus(status: ReservationStatus): boolean {
  return (
    reservationLifecycle.resolveState({ value: status, context: { expiresAt: 0, leaseExpiresAt: null } })
      .status === 'done'
  );
}
