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
import { nextServiceWindowChange } from '../time/service-window';
import { hasExpired } from './certificate-validity';
import { closingGraceEndsAt, maySessionStart } from '../time/session-admission';
import { type CustomerError, customerError, type CustomerErrorId } from './customer-errors';
import {
  brokenNewPinRule,
  isAcceptablePinLength,
  newPinProblem,
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
  NO_CHARACTERS,
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

/** A dialog over a waiting screen: "stop here?" after やめる, or the help of the step. */
export type DialogId = 'confirm-cancel' | 'help';

/** What each state tells the view model: its screen, and for some a progress or a PIN buffer. */
export interface SessionStateMeta {
  /** Every screen state has one; its dialog children inherit it. */
  screen?: ScreenId;
  /** The dialog open over the screen. */
  dialog?: DialogId;
  /** 0–1 on the busy screens. */
  progress?: number;
  /** The PIN buffer this screen fills. */
  pinSlot?: PinSlot;
}

/**
 * `awaitsCustomer`: the screens that wait for the customer in a session (they may warn of
 * inactivity, and offer help). `offersHelp`: a screen outside a session that offers help too (idle).
 */
export type SessionTag = 'awaitsCustomer' | 'offersHelp';

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
  'pin-proof-lost': 'pin-proof-lost',
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
  'reservation-other-procedure': 'reservation-other-procedure',
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

/** The context change that shows `notice` on the PIN screen (counted, so a repeat is news). */
function noticeShown(context: SessionContext, notice: CustomerError) {
  return { notice, noticesShown: context.noticesShown + 1 };
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
    precheckReservation: runtimeActor('precheckReservation'),
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
    // Sessions may start (be admitted) while the window is open: the rule the API applies too.
    withinServiceWindow: ({ context }) => maySessionStart(context.now, context.serviceWindow),
    syncedIntoServiceWindow: ({ context, event }) =>
      event.type === 'clock.sync' && maySessionStart(event.now, context.serviceWindow),
    syncedOutOfServiceWindow: ({ context, event }) =>
      event.type === 'clock.sync' && !maySessionStart(event.now, context.serviceWindow),
    /** The API has not admitted this session (its reservation check has not passed yet). */
    sessionNotAdmitted: ({ context }) => !context.admitted,

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
    /** Length and, for the signature PIN, a letter and a digit (as the runtime's buffer says). */
    newPinRulesMet: ({ context }) => {
      const kind = pinKindOfSlot(procedureOf(context), 'new');
      const length = context.pinLengths.new;
      return (
        isAcceptablePinLength(kind, length) &&
        brokenNewPinRule(kind, length, context.newPinComposition) === null
      );
    },

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
    reservationUsable: ({ event }) => outputOf('precheckReservation', event)?.result === 'usable',
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
    /** Replaced by an `assign` of the runtime buffer's `pinComposition` (createSessionMachine). */
    notePinComposition: assign(({ context }, _params: { slot: 'new' }) => ({
      newPinComposition: context.newPinComposition,
    })),

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
      enqueue.assign(
        params.slots.includes('new') ? { pinLengths, newPinComposition: NO_CHARACTERS } : { pinLengths },
      );
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
    selectDisplay: assign({
      display: ({ event }) => {
        assertEvent(event, 'display.select');
        return event.mode;
      },
    }),
    /** Back at the waiting screens (the card taken, or none was left): the next customer's defaults. */
    restoreDefaultPreferences: enqueueActions(({ context, enqueue }) => {
      const language = context.languages[0] ?? context.language;
      if (context.language !== language || context.display !== 'standard')
        enqueue.assign({ language, display: 'standard' });
    }),

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
    /** Closing time: sessions not admitted yet end now (before any PIN); admitted ones go on. */
    announceClosingTime: raise({ type: 'hours.closing' }),

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
        ...noticeShown(context, customerError('wrong-pin', { triesLeft })),
      };
    }),
    rememberReservation: assign({
      reservation: ({ event }) => {
        const output = outputOf('lookupReservation', event);
        return output?.result === 'found' ? output.reservation : null;
      },
    }),
    /** The API checked the reservation before any PIN and admitted the session (service hours). */
    noteAdmission: assign({ admitted: true }),
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
    showNotice: assign(({ context }, params: { notice: CustomerErrorId }) =>
      noticeShown(context, customerError(params.notice)),
    ),
    /** OK before the entry was long enough: say which PIN and how long it is; what was typed stays. */
    showPinTooShort: assign(({ context }, params: { slot: PinSlot }) => {
      const pin = pinKindOfSlot(procedureOf(context), params.slot);
      const { minLength, maxLength } = PIN_RULES[pin];
      return noticeShown(context, customerError('pin-too-short', { pin, min: minLength, max: maxLength }));
    }),
    /** The new PIN's format notice names the rule this PIN breaks (too short, no letter, no digit). */
    showNewPinProblem: assign(({ context }) => {
      const kind = pinKindOfSlot(procedureOf(context), 'new');
      const broken = brokenNewPinRule(kind, context.pinLengths.new, context.newPinComposition);
      return noticeShown(
        context,
        customerError('new-pin-format', { problem: newPinProblem(broken), min: PIN_RULES[kind].minLength }),
      );
    }),
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
    failWithRefusal: assign(({ context, event }) => {
      const reason = refusalOf(event);
      if (reason !== 'reservation-other-procedure') return { error: customerError(REFUSAL_ERRORS[reason]) };
      // The card's reservation is for the other procedure: choose it here, or at a store offering it.
      const otherOfferedHere = context.offeredProcedures.includes(otherProcedure(procedureOf(context)));
      return {
        error: customerError(
          'reservation-other-procedure',
          { otherOfferedHere },
          otherOfferedHere ? 'choose-other-procedure' : 'use-other-store',
        ),
      };
    }),
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
    /** The language and display mode stay until the card is taken (`restoreDefaultPreferences`). */
    forgetSession: assign(({ context }) => ({
      ...freshSessionFacts(context.languages),
      language: context.language,
      display: context.display,
    })),
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
    cardLeftBehind: ({ context }) => context.timing.cardLeftBehindMs,
    /** A language, look or help chosen on the idle screen lasts as long as a screen waits for a customer. */
    idleReset: ({ context }) => context.timing.inactivityLimitMs,
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

/** The done and error screens wait for the customer the same way, then simply end the session. */
const resultTimers = {
  inactivityWarning: { actions: 'warnOfInactivity' },
  inactivityLimit: { target: '#sessionEnd' },
} as const;

/**
 * The dialogs of a waiting screen, as its child states: the screen itself (`showing`), "stop
 * here?" (`confirmingCancel`), the step's help, and a history (`resume`) that "more time" returns
 * to. The PIN buffers live in the parents of the screens, so a dialog never touches them.
 */
function dialogStates(cancellable: boolean) {
  const confirmingCancel = {
    meta: { dialog: 'confirm-cancel' },
    on: { 'cancel.confirm': '#sessionEnd' },
  } as const;
  return {
    initial: 'showing',
    states: {
      showing: {},
      ...(cancellable ? { confirmingCancel } : {}),
      help: { meta: { dialog: 'help' } },
      resume: { type: 'history' },
    },
  } as const;
}

/**
 * Every tap on a waiting screen re-enters it (`reenter`), which restarts its inactivity timers;
 * "more time" (`session.extend`, any number of times) comes back to the dialog that was open.
 */
function dialogEvents(cancellable: boolean) {
  const events = {
    'help.open': { target: '.help', reenter: true },
    'dialog.close': { target: '.showing', reenter: true },
    'session.extend': { target: '.resume', reenter: true },
  } as const;
  return cancellable
    ? ({ ...events, 'session.cancel': { target: '.confirmingCancel', reenter: true } } as const)
    : events;
}

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
        ...compositionOf(slot),
      ],
    },
    'pin.backspace': {
      guard: { type: 'pinEntryNotEmpty', params: { slot } },
      target: screen,
      reenter: true,
      actions: [
        { type: 'removeLastPinCharacter', params: { slot } },
        { type: 'uncountPinCharacter', params: { slot } },
        ...compositionOf(slot),
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
    'session.continue': { target: '.resume', reenter: true },
  } as const;
}

/** The new PIN's buffer reports what kinds of characters it holds after each change. */
function compositionOf(slot: PinSlot) {
  return slot === 'new' ? ([{ type: 'notePinComposition', params: { slot: 'new' } }] as const) : [];
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
          after: {
            untilServiceWindowChange: {
              target: 'grace',
              actions: ['advanceClockToWindowChange', 'announceClosingTime'],
            },
          },
          on: {
            'clock.sync': [
              {
                guard: 'syncedOutOfServiceWindow',
                target: 'grace',
                actions: ['syncClock', 'announceClosingTime'],
              },
              // Re-entering reschedules the closing timer from the corrected clock.
              { target: 'open', reenter: true, actions: 'syncClock' },
            ],
          },
        },
        // No session may start; an admitted one may finish until the grace ends.
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
      on: {
        'language.select': { guard: 'languageOffered', actions: 'selectLanguage' },
        'display.select': { actions: 'selectDisplay' },
      },
      states: {
        // Decides which waiting screen fits the hours and the devices. Every session's way back
        // passes here, after the card was taken: the next customer starts in the defaults.
        standby: {
          entry: 'restoreDefaultPreferences',
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
        // Where a person starts, or first learns what the machine does: its help says what the
        // service is, what it needs, the hours and where to ask. Left untouched, the screen goes
        // back to the next person's defaults: Japanese, the standard look, the help closed.
        idle: {
          meta: { screen: 'idle' },
          tags: 'offersHelp',
          always: [
            { guard: 'underMaintenance', target: 'maintenance' },
            { guard: 'serviceNotOpen', target: 'closed' },
            { guard: 'notReadyToServe', target: 'outOfService' },
          ],
          after: { idleReset: { target: '.showing', actions: 'restoreDefaultPreferences' } },
          initial: 'showing',
          states: {
            showing: {},
            help: { meta: { dialog: 'help' } },
          },
          on: {
            'session.start': 'customer',
            // Each tap re-enters idle, which restarts the reset timer.
            'help.open': { target: '.help', reenter: true },
            'dialog.close': { target: '.showing', reenter: true },
            'language.select': {
              guard: 'languageOffered',
              target: 'idle',
              reenter: true,
              actions: 'selectLanguage',
            },
            'display.select': { target: 'idle', reenter: true, actions: 'selectDisplay' },
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
              // やめる is the waiting screens' (it asks first); the busy screens ignore it.
              on: {
                // Closing time: a session the API has not admitted ends before any PIN is typed.
                'hours.closing': {
                  guard: 'sessionNotAdmitted',
                  target: '#sessionError',
                  actions: { type: 'failWith', params: { error: 'outside-hours' } },
                },
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
                  ...dialogStates(true),
                  on: {
                    ...dialogEvents(true),
                    'procedure.select': {
                      guard: 'procedureOffered',
                      target: 'consent',
                      actions: 'selectProcedure',
                    },
                    // The first screen: going back means leaving, which asks first.
                    'session.back': { target: '.confirmingCancel', reenter: true },
                    'session.continue': { target: '.resume', reenter: true },
                  },
                },
                consent: {
                  tags: 'awaitsCustomer',
                  meta: { screen: 'consent' },
                  exit: 'dismissInactivityWarning',
                  after: inactivityTimers,
                  ...dialogStates(true),
                  on: {
                    ...dialogEvents(true),
                    'consent.accept': 'placeCard',
                    // With one procedure offered the choice passes straight back here (and the UI
                    // offers no back).
                    'session.back': 'chooseProcedure',
                    'session.continue': { target: '.resume', reenter: true },
                  },
                },
                placeCard: {
                  tags: 'awaitsCustomer',
                  meta: { screen: 'place-card' },
                  exit: 'dismissInactivityWarning',
                  always: { guard: 'cardOnReader', target: 'withCard' },
                  after: inactivityTimers,
                  ...dialogStates(true),
                  on: {
                    ...dialogEvents(true),
                    'session.back': 'consent',
                    'session.continue': { target: '.resume', reenter: true },
                  },
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
                          { target: 'precheckingReservation', actions: 'rememberCard' },
                        ],
                        onError: {
                          target: '#sessionError',
                          actions: { type: 'failWithActorFailure', params: { otherwise: 'card-unreadable' } },
                        },
                      },
                    },

                    // Before any PIN: the API looks the reservation up from the authentication
                    // certificate (free to read) and admits the session. Grants nothing: the card
                    // proof after the PIN still comes before any claim.
                    precheckingReservation: {
                      meta: { screen: 'checking-reservation', progress: 0.2 },
                      invoke: {
                        id: 'precheckReservation',
                        src: 'precheckReservation',
                        input: procedureInput,
                        onDone: [
                          { guard: 'reservationUsable', target: 'provingPin', actions: 'noteAdmission' },
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
                          ...dialogStates(true),
                          on: {
                            ...dialogEvents(true),
                            ...pinKeyboard('current', 'enterCurrentPin'),
                            'pin.submit': [
                              {
                                guard: { type: 'pinLengthAcceptable', params: { slot: 'current' } },
                                target: 'verifying',
                                actions: 'clearNotice',
                              },
                              // Too early: say what is needed, keep what was typed (no try used).
                              {
                                target: 'enterCurrentPin',
                                reenter: true,
                                actions: { type: 'showPinTooShort', params: { slot: 'current' } },
                              },
                            ],
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
                          ...dialogStates(true),
                          on: {
                            ...dialogEvents(true),
                            ...pinKeyboard('new', 'enterNewPin'),
                            'pin.submit': [
                              { guard: 'newPinRulesMet', target: 'checkingNewPin', actions: 'clearNotice' },
                              { target: 'enterNewPin', reenter: true, actions: 'showNewPinProblem' },
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
                                  'showNewPinProblem',
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
                          ...dialogStates(true),
                          on: {
                            ...dialogEvents(true),
                            ...pinKeyboard('confirm', 'confirmNewPin'),
                            // The runtime's buffers judge whether the two entries are the same;
                            // shorter than any PIN can be, OK came too early: say so, keep it.
                            'pin.submit': [
                              {
                                guard: { type: 'pinLengthAcceptable', params: { slot: 'confirm' } },
                                target: 'checkingConfirmation',
                                actions: 'clearNotice',
                              },
                              {
                                target: 'confirmNewPin',
                                reenter: true,
                                actions: { type: 'showPinTooShort', params: { slot: 'confirm' } },
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
                        // settled end: the closing hour and a lost reader do not cut it short (nor
                        // cancel taps: busy screens ignore them) (a lost card or reader makes its own step fail, and that releases).
                        resetting: {
                          initial: 'claiming',
                          on: {
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

            // The result screens wait for the customer (under the inactivity rules): the next step
            // of an error stays until it has been read. "Finish" (`session.continue`) ends at once.
            done: {
              id: 'sessionDone',
              tags: 'awaitsCustomer',
              meta: { screen: 'done' },
              exit: 'dismissInactivityWarning',
              after: resultTimers,
              ...dialogStates(false),
              on: { ...dialogEvents(false), 'session.continue': '#sessionEnd' },
            },
            error: {
              id: 'sessionError',
              tags: 'awaitsCustomer',
              meta: { screen: 'error' },
              exit: 'dismissInactivityWarning',
              after: resultTimers,
              ...dialogStates(false),
              on: { ...dialogEvents(false), 'session.continue': '#sessionEnd' },
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
      notePinComposition: assign((_, params: { slot: 'new' }) => ({
        newPinComposition: pinBuffers.pinComposition(params),
      })),
      removeLastPinCharacter: (_, params) => pinBuffers.removeLastPinCharacter(params),
      wipePinBuffers: (_, params) => pinBuffers.wipePinBuffers(params),
    },
  });
}
