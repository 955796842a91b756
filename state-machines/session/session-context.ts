import { DEFAULT_SERVICE_WINDOW, type ServiceWindow } from '../time/service-window';
import { DEFAULT_CLOSING_GRACE_MS } from '../time/session-admission';
import type { CertificateValidity } from './certificate-validity';
import type { CustomerError } from './customer-errors';
import type { PinKind, PinSlot, Procedure } from './pin-rules';
import type { PinTries, ReleaseReason, ReservationFacts } from './session-actors';

/** Every duration the machine waits, in milliseconds. */
export interface SessionTiming {
  /** No touch for this long on a screen that waits for the customer: "are you still there?". */
  inactivityWarningMs: number;
  /** No touch for this long (counted from the same moment): the session ends (session-timeout). */
  inactivityLimitMs: number;
  /** How long the done and error screens stay before the session ends. */
  resultDisplayMs: number;
  /** The card still on the reader this long after the session ended: alert the operators. */
  cardLeftBehindMs: number;
  /** A session admitted before closing time may finish within this grace, then ends safely. */
  closingGraceMs: number;
}

export const DEFAULT_TIMING: SessionTiming = {
  inactivityWarningMs: 60_000,
  inactivityLimitMs: 90_000,
  resultDisplayMs: 15_000,
  cardLeftBehindMs: 30_000,
  closingGraceMs: DEFAULT_CLOSING_GRACE_MS,
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
}

/** What the card told us: enough to decide the flow, nothing that identifies the holder. */
export interface CardFacts {
  pins: Record<PinKind, PinTries>;
  authCertificate: CertificateValidity;
}

/** The facts of one customer session; reset when the session ends. */
export interface SessionFacts {
  language: string;
  procedure: Procedure | null;
  card: CardFacts | null;
  /** How many characters each runtime PIN buffer holds. Never the characters. */
  pinLengths: Record<PinSlot, number>;
  /** A recoverable error shown on the current PIN screen (wrong PIN, new PIN format, mismatch). */
  notice: CustomerError | null;
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
  /** The machine's idea of now: input, then `clock.sync`, then the service-window timers. */
  now: number;
}

const DEFAULT_LANGUAGES = ['ja', 'en'] as const;

/** The facts of a session that has not started (or has just ended). */
export function freshSessionFacts(languages: readonly string[]): SessionFacts {
  return {
    language: languages[0] ?? DEFAULT_LANGUAGES[0],
    procedure: null,
    card: null,
    pinLengths: { current: 0, new: 0, confirm: 0 },
    notice: null,
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
    timing: { ...DEFAULT_TIMING, ...input.timing },
    languages,
    now: input.now,
    ...freshSessionFacts(languages),
  };
}
