import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { PIN_RULES, pinKindOfSlot, type PinSlot } from '../pin-rules';
import { type SessionActorName, sessionActorFailure } from '../session-actors';
import type { SessionContext } from '../session-context';
import type { SessionEvent } from '../session-events';
import { japanTime, MORNING, myNumberCard, NOT_A_MY_NUMBER_CARD } from './fixtures';

const HOUR = 60 * 60 * 1000;

/**
 * The session machine as a model for `xstate/graph`: the events a path may take in each state
 * (every UI and device event, and every answer and failure of every actor), and the limits that
 * keep the state space finite and every path realisable on a live actor with a simulated clock.
 */

/** Which actor (provided name) each invoke id runs. */
export const INVOKED_ACTORS: Record<string, SessionActorName> = {
  readCard: 'readCard',
  precheckReservation: 'precheckReservation',
  verifyCurrentPin: 'verifyCurrentPin',
  lookupReservation: 'lookupReservation',
  checkNewPin: 'checkNewPin',
  checkConfirmation: 'checkNewPin',
  claimReservation: 'claimReservation',
  authoriseReset: 'authoriseReset',
  setNewPin: 'setNewPin',
  verifyNewPin: 'verifyNewPin',
  completeClaim: 'settleClaim',
  releaseClaim: 'settleClaim',
};

const done = (id: string, output: unknown): EventObject =>
  ({ type: `xstate.done.actor.${id}`, output }) as EventObject;

/** Answers of each invoked actor the model explores: at least one per outgoing transition. */
const ANSWERS: EventObject[] = [
  done('readCard', myNumberCard()),
  done('readCard', NOT_A_MY_NUMBER_CARD),
  done('readCard', myNumberCard({ certificateDaysLeft: -1 })),
  done('readCard', myNumberCard({ tries: { auth: 0, sign: 0 } })),
  done('precheckReservation', { result: 'usable' }),
  done('precheckReservation', { result: 'refused', reason: 'reservation-expired' }),
  done('precheckReservation', { result: 'refused', reason: 'reservation-other-procedure' }),
  done('verifyCurrentPin', { result: 'verified' }),
  done('verifyCurrentPin', { result: 'wrong-pin', triesLeft: 2 }),
  done('verifyCurrentPin', { result: 'wrong-pin', triesLeft: 0 }),
  done('verifyCurrentPin', { result: 'blocked' }),
  done('lookupReservation', {
    result: 'found',
    reservation: { id: 'rsv-1', procedure: 'signature-pin', expiresAt: MORNING + 86_400_000 },
  }),
  done('lookupReservation', {
    result: 'found',
    reservation: { id: 'rsv-2', procedure: 'auth-pin', expiresAt: MORNING + 86_400_000 },
  }),
  done('lookupReservation', { result: 'refused', reason: 'no-reservation' }),
  done('checkNewPin', { verdict: 'accepted' }),
  done('checkNewPin', { verdict: 'format' }),
  done('checkConfirmation', { verdict: 'accepted' }),
  done('checkConfirmation', { verdict: 'differ' }),
  done('claimReservation', { result: 'claimed' }),
  done('claimReservation', { result: 'refused', reason: 'reservation-used' }),
  done('authoriseReset', { result: 'authorised' }),
  done('authoriseReset', { result: 'refused', reason: 'wrong-cryptogram' }),
  done('setNewPin', { result: 'set' }),
  done('setNewPin', { result: 'refused', reason: 'wrong-format' }),
  done('verifyNewPin', { result: 'verified', certificate: null }),
  done('verifyNewPin', { result: 'rejected' }),
  done('completeClaim', { recorded: true }),
  done('releaseClaim', { recorded: true }),
];

/** Every invoked actor may also fail: the card gone, or the card (or API) not answering. */
const FAILURES: EventObject[] = Object.keys(INVOKED_ACTORS).flatMap((id) =>
  (['card-removed', 'card-unreadable'] as const).map(
    (failure) => ({ type: `xstate.error.actor.${id}`, error: sessionActorFailure(failure) }) as EventObject,
  ),
);

/** The UI and device events the model explores (timers come from the machine's own descriptors). */
const UI_AND_DEVICES: SessionEvent[] = [
  { type: 'session.start' },
  { type: 'procedure.select', procedure: 'signature-pin' },
  { type: 'procedure.select', procedure: 'auth-pin' },
  { type: 'consent.accept' },
  { type: 'session.cancel' },
  { type: 'cancel.confirm' },
  { type: 'dialog.close' },
  { type: 'help.open' },
  { type: 'session.back' },
  { type: 'session.extend' },
  { type: 'session.continue' },
  { type: 'language.select', language: 'en' },
  { type: 'display.select', mode: 'large' },
  { type: 'pin.key', key: '1' },
  { type: 'pin.key', key: 'a' },
  { type: 'pin.backspace' },
  { type: 'pin.clear' },
  { type: 'pin.submit' },
  { type: 'reader.ready' },
  { type: 'reader.unavailable' },
  { type: 'card.inserted' },
  { type: 'card.removed' },
  { type: 'api.available' },
  { type: 'api.unavailable' },
  { type: 'operator.maintenance' },
  { type: 'operator.inService' },
  // The runtime's clock: on time, past closing, and in the early morning.
  { type: 'clock.sync', now: MORNING + 2 * HOUR },
  { type: 'clock.sync', now: japanTime('2025-06-02T23:01') },
  { type: 'clock.sync', now: japanTime('2025-06-03T05:00') },
];

const CATALOGUE: EventObject[] = [...UI_AND_DEVICES, ...ANSWERS, ...FAILURES];

/**
 * The events to try in a state: for every event type its active states handle, the catalogue's
 * events of that type, or the bare event (timers: `xstate.after.*`).
 */
export function modelEvents(snapshot: AnyMachineSnapshot): EventObject[] {
  const types = new Set(snapshot._nodes.flatMap((node) => node.ownEvents));
  return [...types].flatMap((type) => {
    const known = CATALOGUE.filter((event) => event.type === type);
    return known.length > 0 ? known : [{ type }];
  });
}

const HOURS_TIMERS = ['xstate.after.untilServiceWindowChange.', 'xstate.after.closingGrace.'];
const isHoursTimer = (type: string) => HOURS_TIMERS.some((prefix) => type.startsWith(prefix));

function kioskTimersRunning(snapshot: AnyMachineSnapshot): boolean {
  return (
    snapshot.hasTag('awaitsCustomer') ||
    snapshot.matches({ kiosk: { customer: 'done' } }) ||
    snapshot.matches({ kiosk: { customer: 'error' } }) ||
    snapshot.matches({ kiosk: 'takeCard' })
  );
}

/** The PIN buffer the current screen fills, if any. */
function activeSlot(snapshot: AnyMachineSnapshot): PinSlot | undefined {
  const metas = Object.values(snapshot.getMeta()) as Array<{ pinSlot?: PinSlot }>;
  return metas.map((meta) => meta.pinSlot).find((slot) => slot !== undefined);
}

/**
 * Keeps the model finite and realisable:
 * - `hours.closing` and `hours.closed` are raised by the machine itself, never sent;
 * - the hour timers fire (and the clock is synced) only while no screen timer runs, and screen
 *   timers not during the grace
 *   (on a live clock the shorter timer always fires first);
 * - PIN entry stops one key past the minimum (the confirmation one past the new PIN's length);
 * - API health, language and display changes only on the idle screens.
 */
export function modelAllows(snapshot: AnyMachineSnapshot, event: EventObject): boolean {
  const context = snapshot.context as SessionContext;
  const { type } = event;
  if (type === 'hours.closed' || type === 'hours.closing') return false;
  if (isHoursTimer(type) || type === 'clock.sync') return !kioskTimersRunning(snapshot);
  if (type.startsWith('xstate.after.')) return !snapshot.matches({ hours: 'grace' });
  if (type === 'operator.maintenance' || type === 'operator.inService') {
    return (
      snapshot.matches({ kiosk: 'idle' }) ||
      snapshot.matches({ kiosk: 'outOfService' }) ||
      snapshot.matches({ kiosk: 'maintenance' })
    );
  }
  if (
    type === 'api.available' ||
    type === 'api.unavailable' ||
    type === 'language.select' ||
    type === 'display.select'
  ) {
    return snapshot.matches({ kiosk: 'idle' }) || snapshot.matches({ kiosk: 'outOfService' });
  }
  if (type === 'pin.key') {
    const slot = activeSlot(snapshot);
    if (!slot || !context.procedure) return true;
    const cap =
      slot === 'confirm'
        ? context.pinLengths.new + 1
        : PIN_RULES[pinKindOfSlot(context.procedure, slot)].minLength + 1;
    return context.pinLengths[slot] < cap;
  }
  return true;
}

/** What distinguishes model states: everything that changes behaviour, not the clock or language. */
export function serializeModelState(snapshot: AnyMachineSnapshot): string {
  const context = snapshot.context as SessionContext;
  return JSON.stringify({
    value: snapshot.value,
    procedure: context.procedure,
    pins: context.pinLengths,
    tries: context.card && [context.card.pins.auth.triesLeft, context.card.pins.sign.triesLeft],
    notice: context.notice?.id,
    error: context.error?.id,
    admitted: context.admitted,
    claimHeld: context.claimHeld,
    verified: context.newPinVerified,
    warned: context.inactivityWarning,
    release: context.releaseReason,
  });
}
