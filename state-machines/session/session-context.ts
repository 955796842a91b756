import { DEFAULT_SERVICE_WINDOW, type ServiceWindow } from '../time/service-window';
import { DEFAULT_CLOSING_GRACE_MS } from '../time/session-admission';
import type { CertificateValidity } from './certificate-validity';
import type { CustomerError } from './customer-errors';
import type { PinComposition, PinKind, PinSlot, Procedure } from './pin-rules';
import type { DisplayMode } from './session-events';
import type { PinTries, ReleaseReason, ReservationFacts } from './session-actors';

/** Every duration the machine waits, in milliseconds. */
export interface SessionTiming {
  /** No touch for this long on a screen that waits for the customer: "are you still there?". */
  inactivityWarningMs: number;
  /**
   * No touch for this long (counted from the same moment): the session ends (session-timeout; on the
   * done and error screens simply the end). At least `MIN_WARNING_LEAD_MS` after the warning.
   */
  inactivityLimitMs: number;
  /** The card still on the reader this long after the session ended: alert the operators. */
  cardLeftBehindMs: number;
  /** A session admitted before closing time may finish within this grace, then ends safely. */
  closingGraceMs: number;
}

export const DEFAULT_TIMING: SessionTiming = {
  inactivityWarningMs: 60_000,
  inactivityLimitMs: 90_000,
  cardLeftBehindMs: 30_000,
  closingGraceMs: DEFAULT_CLOSING_GRACE_MS,
};

/** WCAG 2.2.1: the warning comes at least 20 s before the time runs out. */
export const MIN_WARNING_LEAD_MS = 20_000;

/** A timing that would give the customer less than `MIN_WARNING_LEAD_MS` to answer the warning. */
export class SessionTimingError extends Error {
  constructor(readonly timing: SessionTiming) {
    super(
      `inactivityLimitMs (${timing.inactivityLimitMs}) must be at least ${MIN_WARNING_LEAD_MS} ms after inactivityWarningMs (${timing.inactivityWarningMs})`,
    );
    this.name = 'SessionTimingError';
  }
}

/** The timing of `partial` over the defaults; throws `SessionTimingError` when the warning is too late. */
export function sessionTiming(partial: Partial<SessionTiming> = {}): SessionTiming {
  const timing = { ...DEFAULT_TIMING, ...partial };
  if (timing.inactivityLimitMs - timing.inactivityWarningMs < MIN_WARNING_LEAD_MS)
    throw new SessionTimingError(timing);
  return timing;
}

/** The official call centre the help screens name (DESIGN "Support"); hours are configuration. */
export interface SupportContact {
  phone: string;
  /** Minutes after midnight, Japan time. */
  opensAtMinute: number;
  closesAtMinute: number;
}

/** マイナンバー総合フリーダイヤル, 9:30–20:00 every day (2024 leaflet). */
export const DEFAULT_SUPPORT: SupportContact = {
  phone: '0120-95-0178',
  opensAtMinute: 9 * 60 + 30,
  closesAtMinute: 20 * 60,
};

/** What a kiosk tells its machine at creation. */
export interface SessionInput {
  /** The procedures this kiosk's chain offers (at least one). */
  offeredProcedures: readonly Procedure[];
  /** Epoch ms, from the runtime's clock; later `clock.sync` events keep it current. */
  now: number;
  serviceWindow?: ServiceWindow;
  timing?: Partial<SessionTiming>;
  /** UI languages, the first being the default each session starts with. Default `['ja', 'en']`. */
  languages?: readonly string[];
  /** The call centre named on the help screens. Default `DEFAULT_SUPPORT`. */
  support?: SupportContact;
}

/** What the card told us: enough to decide the flow, nothing that identifies the holder. */
export interface CardFacts {
  pins: Record<PinKind, PinTries>;
  authCertificate: CertificateValidity;
}

/** The facts of one customer session; reset when the session ends. */
export interface SessionFacts {
  language: string;
  /** Standard, or large text in high contrast: chosen by the customer, kept until the card is taken. */
  display: DisplayMode;
  procedure: Procedure | null;
  card: CardFacts | null;
  /** How many characters each runtime PIN buffer holds. Never the characters. */
  pinLengths: Record<PinSlot, number>;
  /**
   * Whether the new PIN being typed holds a letter and a digit (two booleans from the runtime's
   * buffer, for the rule feedback while typing). Never which characters, nor where.
   */
  newPinComposition: PinComposition;
  /** A recoverable error shown on the current PIN screen (wrong PIN, new PIN format, mismatch). */
  notice: CustomerError | null;
  /**
   * How many notices this session has shown. The view model's notice carries it, so the same
   * notice twice in a row (OK pressed again too early) is shown and said again.
   */
  noticesShown: number;
  reservation: ReservationFacts | null;
  /** The API checked the reservation before any PIN and admitted the session (it may finish after closing). */
  admitted: boolean;
  /** A claim on the reservation is held (granted, not yet settled). */
  claimHeld: boolean;
  /** The card accepted the new PIN in a VERIFY: the reset took. */
  newPinVerified: boolean;
  /** Validity of the certificate whose PIN was reset, when the runtime read it. */
  resetCertificate: CertificateValidity | null;
  releaseReason: ReleaseReason | null;
  /** The error that ends this session. */
  error: CustomerError | null;
  inactivityWarning: boolean;
}

export interface SessionContext extends SessionFacts {
  offeredProcedures: readonly Procedure[];
  serviceWindow: ServiceWindow;
  timing: SessionTiming;
  languages: readonly string[];
  support: SupportContact;
  /** The machine's idea of now: input, then `clock.sync`, then the service-window timers. */
  now: number;
}

const DEFAULT_LANGUAGES = ['ja', 'en'] as const;

/** The composition of an empty PIN. */
export const NO_CHARACTERS: PinComposition = { hasLetter: false, hasDigit: false };

/** The facts of a session that has not started (or has just ended). */
export function freshSessionFacts(languages: readonly string[]): SessionFacts {
  return {
    language: languages[0] ?? DEFAULT_LANGUAGES[0],
    display: 'standard',
    procedure: null,
    card: null,
    pinLengths: { current: 0, new: 0, confirm: 0 },
    newPinComposition: NO_CHARACTERS,
    notice: null,
    noticesShown: 0,
    reservation: null,
    admitted: false,
    claimHeld: false,
    newPinVerified: false,
    resetCertificate: null,
    releaseReason: null,
    error: null,
    inactivityWarning: false,
  };
}

/** The machine's starting context for `input`. */
export function initialSessionContext(input: SessionInput): SessionContext {
  const languages = input.languages?.length ? [...input.languages] : [...DEFAULT_LANGUAGES];
  return {
    offeredProcedures: [...new Set(input.offeredProcedures)],
    serviceWindow: input.serviceWindow ?? DEFAULT_SERVICE_WINDOW,
    timing: sessionTiming(input.timing),
    languages,
    support: input.support ?? DEFAULT_SUPPORT,
    now: input.now,
    ...freshSessionFacts(languages),
  };
}
