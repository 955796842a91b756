import type { SnapshotFrom } from 'xstate';
import { formatJapanTime } from '../time/service-window';
import { isRenewalDue, japanDate, renewalOpensAt } from './certificate-validity';
import {
  CUSTOMER_ERRORS,
  explanationParam,
  type CustomerError,
  type CustomerErrorId,
  type CustomerErrorParams,
  type NextStep,
} from './customer-errors';
import {
  meetsNewPinRule,
  newPinRules,
  type NewPinRule,
  PIN_RULES,
  pinKindOfSlot,
  PROCEDURE_PINS,
  type Keyboard,
  type PinKind,
  type PinSlot,
  type Procedure,
} from './pin-rules';
import type { ScreenId } from './screens';
import type { DisplayMode } from './session-events';
import type { DialogId, SessionMachine, SessionStateMeta } from './session-machine';

/**
 * What the UI renders: a pure function of the machine's snapshot. PIN data appears only as
 * lengths; texts appear as catalogue keys (the UI owns the JA/EN texts).
 */

export type SessionSnapshot = SnapshotFrom<SessionMachine>;

/** A catalogue key and its parameters. */
export interface TextRef {
  key: string;
  params?: Record<string, string | number>;
}

export interface PinEntryView {
  /** Which buffer the keyboard fills. */
  slot: PinSlot;
  /** Which PIN it is (auth: 4 digits; sign: 6–16 of A–Z 0–9). */
  pin: PinKind;
  /** Characters typed so far: the UI draws this many dots. Never the characters. */
  length: number;
  minLength: number;
  maxLength: number;
  keyboard: Keyboard;
  /** The length allows OK (the machine checks again on submit). */
  canSubmit: boolean;
  /** Proving the current PIN only. */
  triesLeft?: number;
  /** One try left: a wrong entry blocks the PIN. */
  lastTry?: boolean;
  /** New PIN: each rule it must meet, and whether what is typed so far meets it (live feedback). */
  rules?: Array<{ rule: NewPinRule; met: boolean }>;
}

/** The help of the step on screen: what it is, what is needed, where to call. */
export interface HelpView {
  /** The label above `what` (catalogue key): the step on screen, or on idle the whole service. */
  whatLabel: string;
  what: string;
  need: string;
  /**
   * The idle screen's help (what the service is, for someone who has not started): the service
   * hours, `HH:MM` Japan time, from the kiosk's service-window configuration.
   */
  hours?: { opensAt: string; closesAt: string };
  /** The idle screen's help: where to ask in person (catalogue key). */
  ask?: string;
  /** The official call centre: phone number, opening hours (`HH:MM` Japan time). */
  callCentre: { phone: string; opensAt: string; closesAt: string };
}

export interface CustomerErrorView {
  code: CustomerErrorId;
  displayCode: string;
  nextStep: NextStep;
  params: CustomerErrorParams;
  /** `error.<code>.title|explanation|next`. */
  texts: { title: string; explanation: string; next: string };
  /**
   * Notices only: which notice of the session this is (1, 2, …). The same notice again (OK pressed
   * again too early) is a new one to show and say, though its texts are the same.
   */
  occurrence?: number;
}

export interface CertificateView {
  /** Japan calendar dates, `YYYY-MM-DD`. */
  validFrom: string;
  validUntil: string;
  /** Renewal is open (the certificate ends within 3 months). */
  renewalHint: boolean;
  renewalOpensOn: string;
}

export interface SessionViewModel {
  screen: ScreenId;
  language: string;
  /** Large text in high contrast when the customer chose it (kept until the card is taken); else absent. */
  display?: DisplayMode;
  /** A dialog over the screen: "stop here?" or the step's help. */
  dialog?: DialogId;
  /** With `dialog: 'help'`. */
  help?: HelpView;
  /** Waiting screens offer 戻る (back). */
  canGoBack?: boolean;
  /** Waiting screens offer やめる (cancel, which asks first). */
  canCancel?: boolean;
  /** Waiting screens (the result screens too) and the idle screen offer ヘルプ (help). */
  canHelp?: boolean;
  title: TextRef;
  /** choose-procedure: the procedures this kiosk offers. */
  procedures?: Procedure[];
  procedure?: Procedure;
  pin?: PinEntryView;
  /** 0–1 on the busy screens. */
  progress?: number;
  /** Busy screens while the card is in use: "do not move the card". */
  doNotMoveCard?: boolean;
  /** A recoverable error shown on the PIN screen (wrong PIN, new PIN format, mismatch). */
  notice?: CustomerErrorView;
  /** The error screen's error. */
  error?: CustomerErrorView;
  /** done: validity of the certificate whose PIN was reset. */
  certificate?: CertificateView;
  /** "Are you still there?" over a screen that waits for the customer. */
  inactivityWarning?: boolean;
  /**
   * With the warning: seconds left before the session ends, as of the moment the warning appeared
   * (the UI counts down from it; parameter of `inactivity.secondsLeft`).
   */
  inactivitySecondsLeft?: number;
  /**
   * closed, and the error screen of `outside-hours`: the service hours, `HH:MM` Japan time, from the
   * kiosk's service-window configuration (parameters of the texts, never hard-coded in them).
   */
  opensAt?: string;
  closesAt?: string;
}

const BUSY_SCREENS: readonly ScreenId[] = ['reading', 'verifying', 'checking-reservation', 'resetting'];
/** Screens whose title names the procedure's PIN. */
const PER_PROCEDURE_TITLES: readonly ScreenId[] = [
  'enter-current-pin',
  'enter-new-pin',
  'confirm-new-pin',
  'done',
];

/** The active states' meta merged parent first, so the deepest state decides. */
function stateMeta(snapshot: SessionSnapshot): SessionStateMeta & { screen: ScreenId } {
  const merged: SessionStateMeta = {};
  for (const meta of Object.values(snapshot.getMeta())) Object.assign(merged, meta);
  return { ...merged, screen: merged.screen ?? 'out-of-service' };
}

/**
 * The explanation key of an error: an error that knows what exactly went wrong (the new PIN's
 * broken rule, which PIN was too short) explains just that (`explainedBy`, customer-errors.ts).
 */
export function explanationKey(id: CustomerErrorId, params: CustomerErrorParams): string {
  const param = explanationParam(id);
  const value = param === undefined ? undefined : params[param];
  return typeof value === 'string' ? `error.${id}.explanation.${value}` : `error.${id}.explanation`;
}

function errorView(error: CustomerError): CustomerErrorView {
  const prefix = `error.${error.id}`;
  const explanation = explanationKey(error.id, error.params);
  return {
    code: error.id,
    displayCode: CUSTOMER_ERRORS[error.id].displayCode,
    nextStep: error.nextStep,
    params: error.params,
    texts: { title: `${prefix}.title`, explanation, next: `${prefix}.next` },
  };
}

function pinView(snapshot: SessionSnapshot, procedure: Procedure, slot: PinSlot): PinEntryView {
  const { context } = snapshot;
  const pin = pinKindOfSlot(procedure, slot);
  const rule = PIN_RULES[pin];
  const length = context.pinLengths[slot];
  const view: PinEntryView = {
    slot,
    pin,
    length,
    minLength: rule.minLength,
    maxLength: rule.maxLength,
    keyboard: rule.keyboard,
    canSubmit: length >= rule.minLength && length <= rule.maxLength,
  };
  if (slot === 'new') {
    view.rules = newPinRules(pin).map((rule) => ({
      rule,
      met: meetsNewPinRule(pin, rule, length, context.newPinComposition),
    }));
  }
  const triesLeft =
    slot === 'current' ? context.card?.pins[PROCEDURE_PINS[procedure].proves].triesLeft : undefined;
  if (triesLeft === undefined) return view;
  return { ...view, triesLeft, lastTry: triesLeft === 1 };
}

function certificateView(snapshot: SessionSnapshot): CertificateView | undefined {
  const { context } = snapshot;
  const validity = context.resetCertificate ?? context.card?.authCertificate;
  if (!validity) return undefined;
  return {
    validFrom: japanDate(validity.notBefore),
    validUntil: japanDate(validity.notAfter),
    renewalHint: isRenewalDue(context.now, validity),
    renewalOpensOn: japanDate(renewalOpensAt(validity.notAfter)),
  };
}

/** Screens whose help names the PIN the procedure needs. */
const PER_PROCEDURE_HELP: readonly ScreenId[] = ['enter-current-pin', 'enter-new-pin'];
/** Waiting screens with 戻る. */
const BACK_SCREENS: readonly ScreenId[] = ['choose-procedure', 'consent', 'place-card'];
/** Waiting screens with やめる (the result screens end with Finish instead). */
const CANCEL_SCREENS: readonly ScreenId[] = [
  'choose-procedure',
  'consent',
  'place-card',
  'enter-current-pin',
  'enter-new-pin',
  'confirm-new-pin',
];

function helpView(snapshot: SessionSnapshot, screen: ScreenId): HelpView {
  const { context } = snapshot;
  const procedure = context.procedure;
  const need =
    procedure && PER_PROCEDURE_HELP.includes(screen)
      ? `help.${screen}.need.${procedure}`
      : `help.${screen}.need`;
  const help: HelpView = {
    whatLabel: 'help.whatLabel',
    what: `help.${screen}.what`,
    need,
    callCentre: {
      phone: context.support.phone,
      opensAt: formatJapanTime(context.support.opensAtMinute),
      closesAt: formatJapanTime(context.support.closesAtMinute),
    },
  };
  // Before a session: also when the service is open and where to ask in person.
  if (screen === 'idle') {
    help.whatLabel = 'help.idle.whatLabel';
    help.hours = {
      opensAt: formatJapanTime(context.serviceWindow.opensAtMinute),
      closesAt: formatJapanTime(context.serviceWindow.closesAtMinute),
    };
    help.ask = 'help.idle.ask';
  }
  return help;
}

function titleOf(screen: ScreenId, procedure: Procedure | null, error: CustomerError | null): TextRef {
  if (screen === 'error' && error) return { key: `error.${error.id}.title` };
  if (procedure && PER_PROCEDURE_TITLES.includes(screen))
    return { key: `screen.${screen}.title.${procedure}` };
  return { key: `screen.${screen}.title` };
}

/** The view model of a session snapshot. */
export function toViewModel(snapshot: SessionSnapshot): SessionViewModel {
  const { context } = snapshot;
  const meta = stateMeta(snapshot);
  const { screen } = meta;
  const procedure = context.procedure;
  const vm: SessionViewModel = {
    screen,
    language: context.language,
    title: titleOf(screen, procedure, context.error),
  };
  if (context.display !== 'standard') vm.display = context.display;
  if (snapshot.hasTag('awaitsCustomer') || snapshot.hasTag('offersHelp')) {
    if (meta.dialog) vm.dialog = meta.dialog;
    if (meta.dialog === 'help') vm.help = helpView(snapshot, screen);
    vm.canHelp = true;
  }
  if (snapshot.hasTag('awaitsCustomer')) {
    // Back from consent leads to the choice, which exists only with more than one procedure.
    const backLeadsSomewhere = screen !== 'consent' || context.offeredProcedures.length > 1;
    if (BACK_SCREENS.includes(screen) && backLeadsSomewhere) vm.canGoBack = true;
    if (CANCEL_SCREENS.includes(screen)) vm.canCancel = true;
  }
  if (procedure) vm.procedure = procedure;
  if (screen === 'choose-procedure') vm.procedures = [...context.offeredProcedures];
  if (meta.pinSlot && procedure) vm.pin = pinView(snapshot, procedure, meta.pinSlot);
  if (meta.progress !== undefined) vm.progress = meta.progress;
  if (BUSY_SCREENS.includes(screen)) vm.doNotMoveCard = true;
  if (context.notice && meta.pinSlot)
    vm.notice = { ...errorView(context.notice), occurrence: context.noticesShown };
  if (screen === 'error' && context.error) vm.error = errorView(context.error);
  if (screen === 'done') {
    const certificate = certificateView(snapshot);
    if (certificate) vm.certificate = certificate;
  }
  if (context.inactivityWarning && snapshot.hasTag('awaitsCustomer')) {
    vm.inactivityWarning = true;
    const { inactivityLimitMs, inactivityWarningMs } = context.timing;
    vm.inactivitySecondsLeft = Math.ceil(Math.max(0, inactivityLimitMs - inactivityWarningMs) / 1000);
  }
  if (screen === 'closed' || (screen === 'error' && context.error?.id === 'outside-hours')) {
    vm.opensAt = formatJapanTime(context.serviceWindow.opensAtMinute);
    vm.closesAt = formatJapanTime(context.serviceWindow.closesAtMinute);
  }
  return vm;
}
