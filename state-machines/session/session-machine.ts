import {
  and,
  assertEvent,
  assign,
  emit,
  enqueueActions,
  fromPromise,
  not,
  raise,
  setup,
  stateIn,
} from 'xstate';
import { isWithinServiceWindow, nextServiceWindowChange } from '../time/service-window';
import { hasExpired } from './certificate-validity';
import { closingGraceEndsAt } from './session-clock';
import { customerError, type CustomerErrorId } from './customer-errors';
import {
  isAcceptablePinLength,
  normalisePinKey,
  otherProcedure,
  PIN_RULES,
  PIN_SLOTS,
  pinKindOfSlot,
  type PinSlot,
  type Procedure,
  PROCEDURE_PINS,
} from './pin-rules';
import {
  isSessionActorFailure,
  type ReleaseReason,
  type SessionActorContract,
  type SessionActorName,
  type SessionFailureKind,
  type RefusalReason,
  type SessionRuntime,
  type SettleClaimInput,
} from './session-actors';
import {
  freshSessionFacts,
  initialSessionContext,
  type SessionContext,
  type SessionInput,
} from './session-context';
import type { SessionAlert, SessionEmitted, SessionEvent, SessionOutcome } from './session-events';
import type { ScreenId } from './screens';

/**
 * The kiosk session (DESIGN §5): one state per screen, both procedures, the reset of DESIGN §3,
 * and the rules around it (service hours, devices, inactivity, card removal). Pure: every side
 * effect is an actor or a PIN-buffer action the runtime supplies (session-actors.ts). Read the
 * config below top to bottom for the whole flow; docs/kiosk-machine.md has the diagram.
 *
 * Three parallel regions:
 * - `hours`   open → grace (a session under way may finish) → closed → open, from Japan time.
 * - `devices` reader ready/unavailable, card present/absent, API available/unavailable.
 * - `kiosk`   the screens.
 */

/** What each state tells the view model: its screen, and for some a progress or a PIN buffer. */
export interface SessionStateMeta {
  screen: ScreenId;
  /** 0–1 on the busy screens. */
  progress?: number;
  /** The PIN buffer this screen fills. */
  pinSlot?: PinSlot;
}

/** Tag of the screens that wait for the customer (and so may warn of inactivity). */
export type SessionTag = 'awaitsCustomer';

// ---------------------------------------------------------------------------------------------
// Helpers for the implementations below (never referenced from the config itself)

/** The procedure of the session; every state that asks for it comes after the choice. */
function procedureOf(context: SessionContext): Procedure {
  return context.procedure ?? context.offeredProcedures[0] ?? 'signature-pin';
}

function pinRuleOf(context: SessionContext, slot: PinSlot) {
  return PIN_RULES[pinKindOfSlot(procedureOf(context), slot)];
}

/** The output of a done event of actor `name` (undefined on any other event). */
function outputOf<Name extends SessionActorName>(
  _name: Name,
  event: { type: string },
): SessionActorContract[Name]['output'] | undefined {
  return (event as { output?: SessionActorContract[Name]['output'] }).output;
}

/** The failure kind of an actor's error event, or undefined when it rejected with something else. */
function failureOf(event: { type: string }): SessionFailureKind | undefined {
  const error = (event as { error?: unknown }).error;
  return isSessionActorFailure(error) ? error.failure : undefined;
}

/** Customer error of each actor failure kind. */
const FAILURE_ERRORS: Record<SessionFailureKind, CustomerErrorId> = {
  'card-removed': 'card-removed',
  'reader-unavailable': 'reader-unavailable',
  'card-unreadable': 'card-unreadable',
  'service-unreachable': 'service-unreachable',
};

/** Customer error of each reason the API refuses a card, reservation or claim. */
const REFUSAL_ERRORS: Record<RefusalReason, CustomerErrorId> = {
  'no-reservation': 'no-reservation',
  'reservation-expired': 'reservation-expired',
  'reservation-used': 'reservation-used',
  // A cancelled reservation is, for the customer, no reservation: make one in the app.
  'reservation-cancelled': 'no-reservation',
  'reservation-in-use': 'reservation-in-use',
  'procedure-not-offered': 'procedure-not-offered',
  'auth-certificate-expired': 'auth-certificate-expired',
  'certificate-revoked': 'certificate-revoked',
  'signature-certificate-revoked': 'signature-certificate-revoked',
  'card-not-trusted': 'not-my-number-card',
  'card-mismatch': 'card-mismatch',
  'outside-hours': 'outside-hours',
};

function refusalOf(event: { type: string }): RefusalReason {
  const output = (event as { output?: { result?: string; reason?: RefusalReason } }).output;
  // A "found" that does not fit the chosen procedure is, for the customer, no reservation.
  return output?.result === 'refused' && output.reason ? output.reason : 'no-reservation';
}

function runtimeActor<Name extends SessionActorName>(name: Name) {
  return fromPromise<SessionActorContract[Name]['output'], SessionActorContract[Name]['input']>(() =>
    Promise.reject(new Error(`the kiosk runtime provides the ${name} actor`)),
  );
}

// Invoke inputs, named so the config reads as a list of names.
function procedureInput({ context }: { context: SessionContext }) {
  return { procedure: procedureOf(context) };
}
function provenPinInput({ context }: { context: SessionContext }) {
  return { pin: PROCEDURE_PINS[procedureOf(context)].proves };
}
function resetPinInput({ context }: { context: SessionContext }) {
  return { pin: PROCEDURE_PINS[procedureOf(context)].resets };
}
function newPinFormatInput({ context }: { context: SessionContext }) {
  return { pin: PROCEDURE_PINS[procedureOf(context)].resets, stage: 'new' as const };
}
function confirmationInput({ context }: { context: SessionContext }) {
  return { pin: PROCEDURE_PINS[procedureOf(context)].resets, stage: 'confirm' as const };
}
function claimInput({ context }: { context: SessionContext }) {
  return { procedure: procedureOf(context), reservationId: context.reservation?.id ?? '' };
}
/** A reset step (authorise, write, verify) the card or API refused: release the held claim. */
const releaseClaimAfterRefusedStep = {
  target: '#releasingClaim',
  actions: [
    { type: 'failWith', params: { error: 'reset-refused' } },
    { type: 'releaseBecause', params: { reason: 'reset-failed' } },
  ],
} as const;
/** A reset step that failed (card lost or unreadable, API down): release the held claim. */
const releaseClaimAfterFailedStep = {
  target: '#releasingClaim',
  actions: [
    { type: 'failWithActorFailure', params: { otherwise: 'card-unreadable' } },
    'releaseBecauseOfFailure',
  ],
} as const;

function releaseInput({ context }: { context: SessionContext }): SettleClaimInput {
  return { outcome: 'release', reason: context.releaseReason ?? 'other' };
}

/** Params of `appendPinCharacter` for a key press: the slot and the validated, uppercased character. */
function typedCharacter(slot: PinSlot) {
  return function typedCharacterParams({ context, event }: { context: SessionContext; event: SessionEvent }) {
    assertEvent(event, 'pin.key');
    return { slot, character: normalisePinKey(pinRuleOf(context, slot).keyboard, event.key) ?? '' };
  };
}

// ---------------------------------------------------------------------------------------------

const sessionSetup = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
    emitted: {} as SessionEmitted,
    meta: {} as SessionStateMeta,
    tags: {} as SessionTag,
  },
  actors: {
    readCard: runtimeActor('readCard'),
    verifyCurrentPin: runtimeActor('verifyCurrentPin'),
    lookupReservation: runtimeActor('lookupReservation'),
    checkNewPin: runtimeActor('checkNewPin'),
    claimReservation: runtimeActor('claimReservation'),
    authoriseReset: runtimeActor('authoriseReset'),
    setNewPin: runtimeActor('setNewPin'),
    verifyNewPin: runtimeActor('verifyNewPin'),
    settleClaim: runtimeActor('settleClaim'),
  },
  guards: {
    // The other regions
    serviceOpen: stateIn({ hours: 'open' }),
    serviceNotOpen: not(stateIn({ hours: 'open' })),
    /** Reader and API up, and something to offer: customers may be served. */
    readyToServe: and([
      stateIn({ devices: { reader: 'ready', api: 'available', operator: 'inService' } }),
      'anyProcedureOffered',
    ]),
    underMaintenance: stateIn({ devices: { operator: 'maintenance' } }),
    notUnderMaintenance: not(stateIn({ devices: { operator: 'maintenance' } })),
    notReadyToServe: not('readyToServe'),
    cardOnReader: stateIn({ devices: { card: 'present' } }),

    // Time
    withinServiceWindow: ({ context }) => isWithinServiceWindow(context.now, context.serviceWindow),
    syncedIntoServiceWindow: ({ context, event }) =>
      event.type === 'clock.sync' && isWithinServiceWindow(event.now, context.serviceWindow),
    syncedOutOfServiceWindow: ({ context, event }) =>
      event.type === 'clock.sync' && !isWithinServiceWindow(event.now, context.serviceWindow),

    // Choices
    anyProcedureOffered: ({ context }) => context.offeredProcedures.length > 0,
    onlyOneProcedureOffered: ({ context }) => context.offeredProcedures.length === 1,
    procedureOffered: ({ context, event }) =>
      event.type === 'procedure.select' && context.offeredProcedures.includes(event.procedure),
    languageOffered: ({ context, event }) =>
      event.type === 'language.select' && context.languages.includes(event.language),

    // PIN entry, from lengths and the key pressed
    keyFits: ({ context, event }, params: { slot: PinSlot }) => {
      if (event.type !== 'pin.key') return false;
      const rule = pinRuleOf(context, params.slot);
      return (
        normalisePinKey(rule.keyboard, event.key) !== null && context.pinLengths[params.slot] < rule.maxLength
      );
    },
    pinEntryNotEmpty: ({ context }, params: { slot: PinSlot }) => context.pinLengths[params.slot] > 0,
    pinLengthAcceptable: ({ context }, params: { slot: PinSlot }) =>
      isAcceptablePinLength(
        pinKindOfSlot(procedureOf(context), params.slot),
        context.pinLengths[params.slot],
      ),
    confirmationLengthMatches: ({ context }) => context.pinLengths.confirm === context.pinLengths.new,

    // Card
    notMyNumberCard: ({ event }) => outputOf('readCard', event)?.result === 'not-my-number-card',
    authCertificateExpired: ({ context, event }) => {
      const output = outputOf('readCard', event);
      return output?.result === 'my-number-card' && hasExpired(context.now, output.authCertificate);
    },
    provenPinBlockedOnCard: ({ context, event }) => {
      const output = outputOf('readCard', event);
      const proves = PROCEDURE_PINS[procedureOf(context)].proves;
      return output?.result === 'my-number-card' && output.pins[proves].triesLeft === 0;
    },
    currentPinVerified: ({ event }) => outputOf('verifyCurrentPin', event)?.result === 'verified',
    currentPinWrongWithTriesLeft: ({ event }) => {
      const output = outputOf('verifyCurrentPin', event);
      return output?.result === 'wrong-pin' && output.triesLeft > 0;
    },

    // Reservation and reset
    reservationFoundForProcedure: ({ context, event }) => {
      const output = outputOf('lookupReservation', event);
      return output?.result === 'found' && output.reservation.procedure === context.procedure;
    },
    newPinAccepted: ({ event }) => outputOf('checkNewPin', event)?.verdict === 'accepted',
    claimGranted: ({ event }) => outputOf('claimReservation', event)?.result === 'claimed',
    resetAuthorised: ({ event }) => outputOf('authoriseReset', event)?.result === 'authorised',
    newPinSet: ({ event }) => outputOf('setNewPin', event)?.result === 'set',
    newPinConfirmedByCard: ({ event }) => outputOf('verifyNewPin', event)?.result === 'verified',
    claimHeld: ({ context }) => context.claimHeld,
  },
  actions: {
    // --- Supplied by the runtime (createSessionMachine): its PIN buffers. No-ops here.
    appendPinCharacter: (_, _params: { slot: PinSlot; character: string }) => {},
    removeLastPinCharacter: (_, _params: { slot: PinSlot }) => {},
    wipePinBuffers: (_, _params: { slots: readonly PinSlot[] }) => {},

    // --- PIN lengths: the machine's side of each buffer operation.
    countPinCharacter: assign(({ context }, params: { slot: PinSlot }) => ({
      pinLengths: { ...context.pinLengths, [params.slot]: context.pinLengths[params.slot] + 1 },
    })),
    uncountPinCharacter: assign(({ context }, params: { slot: PinSlot }) => ({
      pinLengths: { ...context.pinLengths, [params.slot]: Math.max(0, context.pinLengths[params.slot] - 1) },
    })),
    /** Runs on every exit that wipes buffers, mostly already empty ones: then no snapshot rebuild. */
    forgetPinLengths: enqueueActions(({ context, enqueue }, params: { slots: readonly PinSlot[] }) => {
      if (params.slots.every((slot) => context.pinLengths[slot] === 0)) return;
      const pinLengths = { ...context.pinLengths };
      for (const slot of params.slots) pinLengths[slot] = 0;
      enqueue.assign({ pinLengths });
    }),

    // --- Choices
    selectProcedure: assign({
      procedure: ({ event }) => {
        assertEvent(event, 'procedure.select');
        return event.procedure;
      },
    }),
    selectOnlyProcedure: assign({ procedure: ({ context }) => context.offeredProcedures[0] ?? null }),
    selectLanguage: assign({
      language: ({ event }) => {
        assertEvent(event, 'language.select');
        return event.language;
      },
    }),
    restoreDefaultLanguage: assign({ language: ({ context }) => context.languages[0] ?? context.language }),

    // --- Time
    syncClock: assign({
      now: ({ event }) => {
        assertEvent(event, 'clock.sync');
        return event.now;
      },
    }),
    /** The window timer fired: it is now exactly the moment it was scheduled for. */
    advanceClockToWindowChange: assign({
      now: ({ context }) =>
        Math.max(context.now, nextServiceWindowChange(context.now, context.serviceWindow)),
    }),
    /** The grace timer fired: it is now the end of the grace after the latest closing. */
    advanceClockPastGrace: assign({
      now: ({ context }) =>
        Math.max(
          context.now,
          closingGraceEndsAt(context.now, context.serviceWindow, context.timing.closingGraceMs),
        ),
    }),
    announceClosing: raise({ type: 'hours.closed' }),

    // --- Inactivity
    warnOfInactivity: assign({ inactivityWarning: true }),
    /**
     * Every waiting screen's exit, so every key press (a re-entry) runs it. Each `assign` makes
     * xstate rebuild the snapshot (state value, tags); with no warning shown there is nothing to do.
     */
    dismissInactivityWarning: enqueueActions(({ context, enqueue }) => {
      if (context.inactivityWarning) enqueue.assign({ inactivityWarning: false });
    }),

    // --- What the card and the API said
    rememberCard: assign({
      card: ({ event }) => {
        const output = outputOf('readCard', event);
        return output?.result === 'my-number-card'
          ? { pins: output.pins, authCertificate: output.authCertificate }
          : null;
      },
    }),
    noteWrongPin: assign(({ context, event }) => {
      const output = outputOf('verifyCurrentPin', event);
      const triesLeft = output?.result === 'wrong-pin' ? output.triesLeft : 0;
      const proves = PROCEDURE_PINS[procedureOf(context)].proves;
      return {
        card: context.card && { ...context.card, pins: { ...context.card.pins, [proves]: { triesLeft } } },
        notice: customerError('wrong-pin', { triesLeft }),
      };
    }),
    rememberReservation: assign({
      reservation: ({ event }) => {
        const output = outputOf('lookupReservation', event);
        return output?.result === 'found' ? output.reservation : null;
      },
    }),
    noteClaimHeld: assign({ claimHeld: true }),
    noteNewPinVerified: assign(({ event }) => {
      const output = outputOf('verifyNewPin', event);
      return {
        newPinVerified: true,
        resetCertificate: output?.result === 'verified' ? output.certificate : null,
      };
    }),
    noteClaimSettled: assign({ claimHeld: false }),
    releaseBecause: assign((_, params: { reason: ReleaseReason }) => ({ releaseReason: params.reason })),
    releaseBecauseOfFailure: assign(({ event }) => ({
      releaseReason:
        failureOf(event) === 'card-removed' ? ('card-removed' as const) : ('reset-failed' as const),
    })),

    // --- Notices (the session goes on) and errors (it ends)
    showNotice: assign((_, params: { notice: CustomerErrorId }) => ({
      notice: customerError(params.notice),
    })),
    /** Like `dismissInactivityWarning`: only a notice on screen is worth a snapshot rebuild. */
    clearNotice: enqueueActions(({ context, enqueue }) => {
      if (context.notice) enqueue.assign({ notice: null });
    }),
    failWith: assign((_, params: { error: CustomerErrorId }) => ({ error: customerError(params.error) })),
    /** The actor's typed failure decides the error; anything else is the actor's usual failure. */
    failWithActorFailure: assign(({ event }, params: { otherwise: CustomerErrorId }) => {
      const failure = failureOf(event);
      return { error: customerError(failure ? FAILURE_ERRORS[failure] : params.otherwise) };
    }),
    failWithRefusal: assign(({ event }) => ({ error: customerError(REFUSAL_ERRORS[refusalOf(event)]) })),
    /**
     * The PIN to prove is blocked. If the other PIN still has tries, the other procedure can reset
     * this one first (with its own reservation); otherwise only the municipal office can help.
     */
    failWithBlockedPin: assign(({ context }) => {
      const procedure = procedureOf(context);
      const { proves, resets } = PROCEDURE_PINS[procedure];
      const otherPinUsable = (context.card?.pins[resets].triesLeft ?? 0) > 0;
      const otherRouteOfferedHere = context.offeredProcedures.includes(otherProcedure(procedure));
      return {
        error: customerError(
          'pin-blocked',
          { pin: proves, otherRouteOfferedHere },
          otherPinUsable ? 'reset-other-pin-first' : 'municipal-office',
        ),
      };
    }),

    // --- Session bookends and operator alerts
    reportSessionStart: emit({ type: 'session.started' }),
    reportSessionEnd: emit(({ context }) => {
      const outcome: SessionOutcome = context.error
        ? 'failed'
        : context.newPinVerified
          ? 'completed'
          : 'cancelled';
      return {
        type: 'session.ended' as const,
        outcome,
        procedure: context.procedure,
        error: context.error?.id ?? null,
      };
    }),
    forgetSession: assign(({ context }) => freshSessionFacts(context.languages)),
    raiseAlert: emit((_, params: { alert: SessionAlert }) => ({
      type: 'alert' as const,
      alert: params.alert,
    })),
    clearAlert: emit((_, params: { alert: SessionAlert }) => ({
      type: 'alert.cleared' as const,
      alert: params.alert,
    })),
  },
  delays: {
    inactivityWarning: ({ context }) => context.timing.inactivityWarningMs,
    inactivityLimit: ({ context }) => context.timing.inactivityLimitMs,
    resultDisplay: ({ context }) => context.timing.resultDisplayMs,
    cardLeftBehind: ({ context }) => context.timing.cardLeftBehindMs,
    /** A language chosen on the idle screen lasts as long as a screen waits for a customer. */
    idleLanguageReset: ({ context }) => context.timing.inactivityLimitMs,
    /** Counted from the closing instant, so a clock sync during the grace does not lengthen it. */
    closingGrace: ({ context }) =>
      Math.max(
        0,
        closingGraceEndsAt(context.now, context.serviceWindow, context.timing.closingGraceMs) - context.now,
      ),
    untilServiceWindowChange: ({ context }) =>
      Math.max(0, nextServiceWindowChange(context.now, context.serviceWindow) - context.now),
  },
});

/** Screens that wait for the customer: warn, then end the session, when nothing is touched. */
const inactivityTimers = {
  inactivityWarning: { actions: 'warnOfInactivity' },
  inactivityLimit: {
    target: '#sessionError',
    actions: { type: 'failWith', params: { error: 'session-timeout' } },
  },
} as const;

/**
 * Keyboard events of a PIN screen. Each accepted tap re-enters the screen, which restarts its
 * inactivity timers; the runtime gets the (validated, uppercased) character, the context its length.
 */
function pinKeyboard<const Slot extends PinSlot, const Screen extends string>(slot: Slot, screen: Screen) {
  return {
    'pin.key': {
      guard: { type: 'keyFits', params: { slot } },
      target: screen,
      reenter: true,
      actions: [
        { type: 'appendPinCharacter', params: typedCharacter(slot) },
        { type: 'countPinCharacter', params: { slot } },
      ],
    },
    'pin.backspace': {
      guard: { type: 'pinEntryNotEmpty', params: { slot } },
      target: screen,
      reenter: true,
      actions: [
        { type: 'removeLastPinCharacter', params: { slot } },
        { type: 'uncountPinCharacter', params: { slot } },
      ],
    },
    'pin.clear': {
      target: screen,
      reenter: true,
      actions: [
        { type: 'wipePinBuffers', params: { slots: [slot] } },
        { type: 'forgetPinLengths', params: { slots: [slot] } },
      ],
    },
    'session.continue': { target: screen, reenter: true },
  } as const;
}

export const sessionMachine = sessionSetup.createMachine({
  id: 'session',
  type: 'parallel',
  context: ({ input }) => initialSessionContext(input),
  states: {
    hours: {
      initial: 'deciding',
      states: {
        deciding: {
          always: [{ guard: 'withinServiceWindow', target: 'open' }, { target: 'closed' }],
        },
        open: {
          after: { untilServiceWindowChange: { target: 'grace', actions: 'advanceClockToWindowChange' } },
          on: {
            'clock.sync': [
              { guard: 'syncedOutOfServiceWindow', target: 'grace', actions: 'syncClock' },
              // Re-entering reschedules the closing timer from the corrected clock.
              { target: 'open', reenter: true, actions: 'syncClock' },
            ],
          },
        },
        // No session may start; one under way may finish until the grace ends.
        grace: {
          after: {
            closingGrace: { target: 'closed', actions: ['advanceClockPastGrace', 'announceClosing'] },
          },
          on: {
            'clock.sync': [
              // The clock was fast: it is not closing time after all.
              { guard: 'syncedIntoServiceWindow', target: 'open', actions: 'syncClock' },
              { actions: 'syncClock' },
            ],
          },
        },
        closed: {
          // A clock synced back into the window during the grace opens at once.
          always: { guard: 'withinServiceWindow', target: 'open' },
          after: { untilServiceWindowChange: { target: 'open', actions: 'advanceClockToWindowChange' } },
          on: {
            'clock.sync': [
              { guard: 'syncedIntoServiceWindow', target: 'open', actions: 'syncClock' },
              { target: 'closed', reenter: true, actions: 'syncClock' },
            ],
          },
        },
      },
    },

    devices: {
      type: 'parallel',
      states: {
        reader: {
          initial: 'unavailable',
          states: {
            unavailable: { on: { 'reader.ready': 'ready' } },
            ready: { on: { 'reader.unavailable': 'unavailable' } },
          },
        },
        card: {
          initial: 'absent',
          states: {
            absent: { on: { 'card.inserted': 'present' } },
            present: { on: { 'card.removed': 'absent', 'reader.unavailable': 'absent' } },
          },
        },
        api: {
          initial: 'available',
          states: {
            available: { on: { 'api.unavailable': 'unavailable' } },
            unavailable: { on: { 'api.available': 'available' } },
          },
        },
        // An operator's remote action (heartbeat answer): maintenance refuses new sessions.
        operator: {
          initial: 'inService',
          states: {
            inService: { on: { 'operator.maintenance': 'maintenance' } },
            maintenance: { on: { 'operator.inService': 'inService' } },
          },
        },
      },
    },

    kiosk: {
      initial: 'standby',
      on: { 'language.select': { guard: 'languageOffered', actions: 'selectLanguage' } },
      states: {
        // Decides which waiting screen fits the hours and the devices.
        standby: {
          always: [
            { guard: 'underMaintenance', target: 'maintenance' },
            { guard: 'serviceNotOpen', target: 'closed' },
            { guard: 'notReadyToServe', target: 'outOfService' },
            { target: 'idle' },
          ],
        },
        closed: {
          meta: { screen: 'closed' },
          always: [
            { guard: 'underMaintenance', target: 'maintenance' },
            { guard: 'serviceOpen', target: 'standby' },
          ],
        },
        // Put out of service by an operator: says so, with what to do, until they bring it back.
        maintenance: {
          meta: { screen: 'maintenance' },
          always: { guard: 'notUnderMaintenance', target: 'standby' },
        },
        outOfService: {
          meta: { screen: 'out-of-service' },
          always: [
            { guard: 'underMaintenance', target: 'maintenance' },
            { guard: 'serviceNotOpen', target: 'closed' },
            { guard: 'readyToServe', target: 'idle' },
          ],
        },
        // A language chosen here and left untouched goes back to the default (Japanese).
        idle: {
          meta: { screen: 'idle' },
          always: [
            { guard: 'underMaintenance', target: 'maintenance' },
            { guard: 'serviceNotOpen', target: 'closed' },
            { guard: 'notReadyToServe', target: 'outOfService' },
          ],
          after: { idleLanguageReset: { actions: 'restoreDefaultLanguage' } },
          on: {
            'session.start': 'customer',
            'language.select': {
              guard: 'languageOffered',
              target: 'idle',
              reenter: true,
              actions: 'selectLanguage',
            },
          },
        },

        // One customer's session. Every way out passes the exit wipe, then `sessionEnd`.
        customer: {
          entry: 'reportSessionStart',
          exit: [
            { type: 'wipePinBuffers', params: { slots: PIN_SLOTS } },
            { type: 'forgetPinLengths', params: { slots: PIN_SLOTS } },
          ],
          initial: 'underway',
          states: {
            underway: {
              initial: 'chooseProcedure',
              on: {
                'session.cancel': { target: '#sessionEnd' },
                'hours.closed': {
                  target: '#sessionError',
                  actions: { type: 'failWith', params: { error: 'outside-hours' } },
                },
                'reader.unavailable': {
                  target: '#sessionError',
                  actions: { type: 'failWith', params: { error: 'reader-unavailable' } },
                },
              },
              states: {
                chooseProcedure: {
                  tags: 'awaitsCustomer',
                  meta: { screen: 'choose-procedure' },
                  exit: 'dismissInactivityWarning',
                  always: {
                    guard: 'onlyOneProcedureOffered',
                    target: 'consent',
                    actions: 'selectOnlyProcedure',
                  },
                  after: inactivityTimers,
                  on: {
                    'procedure.select': {
                      guard: 'procedureOffered',
                      target: 'consent',
                      actions: 'selectProcedure',
                    },
                    'session.continue': { target: 'chooseProcedure', reenter: true },
                  },
                },
                consent: {
                  tags: 'awaitsCustomer',
                  meta: { screen: 'consent' },
                  exit: 'dismissInactivityWarning',
                  after: inactivityTimers,
                  on: {
                    'consent.accept': 'placeCard',
                    'session.continue': { target: 'consent', reenter: true },
                  },
                },
                placeCard: {
                  tags: 'awaitsCustomer',
                  meta: { screen: 'place-card' },
                  exit: 'dismissInactivityWarning',
                  always: { guard: 'cardOnReader', target: 'withCard' },
                  after: inactivityTimers,
                  on: { 'session.continue': { target: 'placeCard', reenter: true } },
                },

                // From here on the card must stay on the reader.
                withCard: {
                  initial: 'reading',
                  on: {
                    'card.removed': {
                      target: '#sessionError',
                      actions: { type: 'failWith', params: { error: 'card-removed' } },
                    },
                  },
                  states: {
                    reading: {
                      meta: { screen: 'reading', progress: 0.1 },
                      invoke: {
                        id: 'readCard',
                        src: 'readCard',
                        input: procedureInput,
                        onDone: [
                          {
                            guard: 'notMyNumberCard',
                            target: '#sessionError',
                            actions: { type: 'failWith', params: { error: 'not-my-number-card' } },
                          },
                          {
                            guard: 'authCertificateExpired',
                            target: '#sessionError',
                            actions: { type: 'failWith', params: { error: 'auth-certificate-expired' } },
                          },
                          {
                            guard: 'provenPinBlockedOnCard',
                            target: '#sessionError',
                            actions: ['rememberCard', 'failWithBlockedPin'],
                          },
                          { target: 'provingPin', actions: 'rememberCard' },
                        ],
                        onError: {
                          target: '#sessionError',
                          actions: { type: 'failWithActorFailure', params: { otherwise: 'card-unreadable' } },
                        },
                      },
                    },

                    // The `current` buffer lives here and nowhere else.
                    provingPin: {
                      initial: 'enterCurrentPin',
                      exit: [
                        { type: 'wipePinBuffers', params: { slots: ['current'] } },
                        { type: 'forgetPinLengths', params: { slots: ['current'] } },
                      ],
                      states: {
                        enterCurrentPin: {
                          tags: 'awaitsCustomer',
                          meta: { screen: 'enter-current-pin', pinSlot: 'current' },
                          exit: 'dismissInactivityWarning',
                          after: inactivityTimers,
                          on: {
                            ...pinKeyboard('current', 'enterCurrentPin'),
                            'pin.submit': {
                              guard: { type: 'pinLengthAcceptable', params: { slot: 'current' } },
                              target: 'verifying',
                              actions: 'clearNotice',
                            },
                          },
                        },
                        verifying: {
                          meta: { screen: 'verifying', progress: 0.3 },
                          invoke: {
                            id: 'verifyCurrentPin',
                            src: 'verifyCurrentPin',
                            input: provenPinInput,
                            onDone: [
                              { guard: 'currentPinVerified', target: '#checkingReservation' },
                              {
                                guard: 'currentPinWrongWithTriesLeft',
                                target: 'enterCurrentPin',
                                actions: [
                                  'noteWrongPin',
                                  { type: 'wipePinBuffers', params: { slots: ['current'] } },
                                  { type: 'forgetPinLengths', params: { slots: ['current'] } },
                                ],
                              },
                              // Blocked, or the wrong attempt that used the last try.
                              { target: '#sessionError', actions: 'failWithBlockedPin' },
                            ],
                            onError: {
                              target: '#sessionError',
                              actions: {
                                type: 'failWithActorFailure',
                                params: { otherwise: 'card-unreadable' },
                              },
                            },
                          },
                        },
                      },
                    },

                    checkingReservation: {
                      id: 'checkingReservation',
                      meta: { screen: 'checking-reservation', progress: 0.5 },
                      invoke: {
                        id: 'lookupReservation',
                        src: 'lookupReservation',
                        input: procedureInput,
                        onDone: [
                          {
                            guard: 'reservationFoundForProcedure',
                            target: 'holdingNewPin',
                            actions: 'rememberReservation',
                          },
                          { target: '#sessionError', actions: 'failWithRefusal' },
                        ],
                        onError: {
                          target: '#sessionError',
                          actions: {
                            type: 'failWithActorFailure',
                            params: { otherwise: 'service-unreachable' },
                          },
                        },
                      },
                    },

                    // The `new` and `confirm` buffers live here, through the reset that uses them.
                    holdingNewPin: {
                      initial: 'enterNewPin',
                      exit: [
                        { type: 'wipePinBuffers', params: { slots: ['new', 'confirm'] } },
                        { type: 'forgetPinLengths', params: { slots: ['new', 'confirm'] } },
                      ],
                      states: {
                        enterNewPin: {
                          tags: 'awaitsCustomer',
                          meta: { screen: 'enter-new-pin', pinSlot: 'new' },
                          exit: 'dismissInactivityWarning',
                          after: inactivityTimers,
                          on: {
                            ...pinKeyboard('new', 'enterNewPin'),
                            'pin.submit': [
                              {
                                guard: { type: 'pinLengthAcceptable', params: { slot: 'new' } },
                                target: 'checkingNewPin',
                                actions: 'clearNotice',
                              },
                              {
                                target: 'enterNewPin',
                                reenter: true,
                                actions: { type: 'showNotice', params: { notice: 'new-pin-format' } },
                              },
                            ],
                          },
                        },
                        checkingNewPin: {
                          meta: { screen: 'enter-new-pin', pinSlot: 'new' },
                          invoke: {
                            id: 'checkNewPin',
                            src: 'checkNewPin',
                            input: newPinFormatInput,
                            onDone: [
                              { guard: 'newPinAccepted', target: 'confirmNewPin' },
                              {
                                target: 'enterNewPin',
                                actions: [
                                  { type: 'showNotice', params: { notice: 'new-pin-format' } },
                                  { type: 'wipePinBuffers', params: { slots: ['new'] } },
                                  { type: 'forgetPinLengths', params: { slots: ['new'] } },
                                ],
                              },
                            ],
                            onError: {
                              target: '#sessionError',
                              actions: {
                                type: 'failWithActorFailure',
                                params: { otherwise: 'reset-refused' },
                              },
                            },
                          },
                        },
                        confirmNewPin: {
                          tags: 'awaitsCustomer',
                          meta: { screen: 'confirm-new-pin', pinSlot: 'confirm' },
                          exit: 'dismissInactivityWarning',
                          after: inactivityTimers,
                          on: {
                            ...pinKeyboard('confirm', 'confirmNewPin'),
                            'pin.submit': [
                              {
                                guard: 'confirmationLengthMatches',
                                target: 'checkingConfirmation',
                                actions: 'clearNotice',
                              },
                              {
                                target: 'enterNewPin',
                                actions: [
                                  { type: 'showNotice', params: { notice: 'new-pins-differ' } },
                                  { type: 'wipePinBuffers', params: { slots: ['new', 'confirm'] } },
                                  { type: 'forgetPinLengths', params: { slots: ['new', 'confirm'] } },
                                ],
                              },
                            ],
                          },
                        },
                        checkingConfirmation: {
                          meta: { screen: 'confirm-new-pin', pinSlot: 'confirm' },
                          invoke: {
                            id: 'checkConfirmation',
                            src: 'checkNewPin',
                            input: confirmationInput,
                            onDone: [
                              {
                                guard: 'newPinAccepted',
                                target: 'resetting',
                                actions: [
                                  { type: 'wipePinBuffers', params: { slots: ['confirm'] } },
                                  { type: 'forgetPinLengths', params: { slots: ['confirm'] } },
                                ],
                              },
                              {
                                target: 'enterNewPin',
                                actions: [
                                  { type: 'showNotice', params: { notice: 'new-pins-differ' } },
                                  { type: 'wipePinBuffers', params: { slots: ['new', 'confirm'] } },
                                  { type: 'forgetPinLengths', params: { slots: ['new', 'confirm'] } },
                                ],
                              },
                            ],
                            onError: {
                              target: '#sessionError',
                              actions: {
                                type: 'failWithActorFailure',
                                params: { otherwise: 'reset-refused' },
                              },
                            },
                          },
                        },

                        // DESIGN §3, one card or API exchange per state. Once begun it runs to a
                        // settled end: cancel taps, the closing hour and a lost reader do not cut
                        // it short (a lost card or reader makes its own step fail, and that releases).
                        resetting: {
                          initial: 'claiming',
                          on: {
                            'session.cancel': {},
                            'hours.closed': {},
                            'reader.unavailable': {},
                            'card.removed': [
                              {
                                guard: 'claimHeld',
                                target: '#releasingClaim',
                                actions: [
                                  { type: 'failWith', params: { error: 'card-removed' } },
                                  { type: 'releaseBecause', params: { reason: 'card-removed' } },
                                ],
                              },
                              {
                                target: '#sessionError',
                                actions: { type: 'failWith', params: { error: 'card-removed' } },
                              },
                            ],
                          },
                          states: {
                            claiming: {
                              meta: { screen: 'resetting', progress: 0.6 },
                              invoke: {
                                id: 'claimReservation',
                                src: 'claimReservation',
                                input: claimInput,
                                onDone: [
                                  { guard: 'claimGranted', target: 'authorising', actions: 'noteClaimHeld' },
                                  { target: '#sessionError', actions: 'failWithRefusal' },
                                ],
                                onError: {
                                  target: '#sessionError',
                                  actions: {
                                    type: 'failWithActorFailure',
                                    params: { otherwise: 'service-unreachable' },
                                  },
                                },
                              },
                            },
                            authorising: {
                              meta: { screen: 'resetting', progress: 0.7 },
                              invoke: {
                                id: 'authoriseReset',
                                src: 'authoriseReset',
                                input: resetPinInput,
                                onDone: [
                                  { guard: 'resetAuthorised', target: 'writingPin' },
                                  releaseClaimAfterRefusedStep,
                                ],
                                onError: releaseClaimAfterFailedStep,
                              },
                            },
                            writingPin: {
                              meta: { screen: 'resetting', progress: 0.8 },
                              invoke: {
                                id: 'setNewPin',
                                src: 'setNewPin',
                                input: resetPinInput,
                                onDone: [
                                  { guard: 'newPinSet', target: 'verifyingNewPin' },
                                  releaseClaimAfterRefusedStep,
                                ],
                                onError: releaseClaimAfterFailedStep,
                              },
                            },
                            verifyingNewPin: {
                              meta: { screen: 'resetting', progress: 0.9 },
                              invoke: {
                                id: 'verifyNewPin',
                                src: 'verifyNewPin',
                                input: resetPinInput,
                                onDone: [
                                  {
                                    guard: 'newPinConfirmedByCard',
                                    target: '#completingClaim',
                                    actions: 'noteNewPinVerified',
                                  },
                                  releaseClaimAfterRefusedStep,
                                ],
                                onError: releaseClaimAfterFailedStep,
                              },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },

            // Telling the API how a claimed reset ended (via the runtime's outbox). The card may
            // leave now: the outcome is already decided (complete only if the new PIN verified).
            settling: {
              initial: 'completing',
              states: {
                completing: {
                  id: 'completingClaim',
                  meta: { screen: 'resetting', progress: 1 },
                  invoke: {
                    id: 'completeClaim',
                    src: 'settleClaim',
                    input: { outcome: 'complete' },
                    onDone: { target: '#sessionDone', actions: 'noteClaimSettled' },
                    onError: {
                      target: '#sessionDone',
                      actions: { type: 'raiseAlert', params: { alert: 'settlement-not-recorded' } },
                    },
                  },
                },
                releasing: {
                  id: 'releasingClaim',
                  meta: { screen: 'error' },
                  invoke: {
                    id: 'releaseClaim',
                    src: 'settleClaim',
                    input: releaseInput,
                    onDone: { target: '#sessionError', actions: 'noteClaimSettled' },
                    onError: {
                      target: '#sessionError',
                      actions: { type: 'raiseAlert', params: { alert: 'settlement-not-recorded' } },
                    },
                  },
                },
              },
            },

            done: {
              id: 'sessionDone',
              meta: { screen: 'done' },
              after: { resultDisplay: '#sessionEnd' },
              on: { 'session.continue': '#sessionEnd' },
            },
            error: {
              id: 'sessionError',
              meta: { screen: 'error' },
              after: { resultDisplay: '#sessionEnd' },
              on: { 'session.continue': '#sessionEnd' },
            },
          },
        },

        // Every session ends here, after `customer`'s exit wiped every PIN buffer.
        sessionEnd: {
          id: 'sessionEnd',
          entry: ['reportSessionEnd', 'forgetSession'],
          always: [{ guard: 'cardOnReader', target: 'takeCard' }, { target: 'standby' }],
        },
        takeCard: {
          meta: { screen: 'take-card' },
          initial: 'waiting',
          on: { 'card.removed': 'standby', 'reader.unavailable': 'standby' },
          states: {
            waiting: {
              after: {
                cardLeftBehind: {
                  target: 'leftBehind',
                  actions: { type: 'raiseAlert', params: { alert: 'card-left-behind' } },
                },
              },
            },
            leftBehind: { exit: { type: 'clearAlert', params: { alert: 'card-left-behind' } } },
          },
        },
      },
    },
  },
});

export type SessionMachine = typeof sessionMachine;

/** The session machine wired to the runtime's actors and PIN buffers (all required). */
export function createSessionMachine(runtime: SessionRuntime): SessionMachine {
  const { pinBuffers } = runtime;
  return sessionMachine.provide({
    actors: runtime.actors,
    actions: {
      appendPinCharacter: (_, params) => pinBuffers.appendPinCharacter(params),
      removeLastPinCharacter: (_, params) => pinBuffers.removeLastPinCharacter(params),
      wipePinBuffers: (_, params) => pinBuffers.wipePinBuffers(params),
    },
  });
}
