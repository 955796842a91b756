import type { PromiseActorLogic } from 'xstate';
import type { CertificateValidity } from './certificate-validity';
import type { PinComposition, PinKind, PinSlot, Procedure } from './pin-rules';

/**
 * The contract between the session machine and the kiosk runtime: every side effect the machine
 * needs, as small actors with one job each, plus the PIN-buffer actions. The runtime implements
 * exactly these (`createSessionMachine(runtime)`), with `fromPromise`, and wires the AbortSignal it
 * receives to the card transmit deadline / HTTP request: the machine leaving a state stops the actor
 * and so cancels the exchange.
 *
 * Expected outcomes (wrong PIN, a refused reservation) are OUTPUTS. Failures (card gone, reader
 * gone, network down) REJECT with a `SessionActorFailure`; anything else rejected is treated as the
 * actor's default failure (card actors: card-unreadable; API actors: service-unreachable).
 *
 * PINs never cross this boundary: the runtime holds the buffers (filled by `appendPinCharacter`),
 * the actors read them, and the machine only ever sees lengths.
 */

// ---------------------------------------------------------------------------------------------
// Failures

export const SESSION_FAILURE_KINDS = [
  /** The card left the reader during the exchange. */
  'card-removed',
  /** The reader or the PC/SC service is gone. */
  'reader-unavailable',
  /** The card answered nonsense, too late, or not at all (hold still, centre it, not on metal). */
  'card-unreadable',
  /** The reservation API could not be reached (network, timeout, 5xx, bad answer). */
  'service-unreachable',
  /**
   * The card stayed but no longer holds the PIN proven earlier in the session (it was reset, or
   * its application selected again: `69 82`); nothing changed on it, only starting again helps.
   */
  'pin-proof-lost',
] as const;
export type SessionFailureKind = (typeof SESSION_FAILURE_KINDS)[number];

/** What an actor rejects with. `detail` is for operators' logs: never PIN, token or certificate data. */
export interface SessionActorFailure {
  failure: SessionFailureKind;
  detail?: string;
}

/** A failure value to reject with. */
export function sessionActorFailure(failure: SessionFailureKind, detail?: string): SessionActorFailure {
  return detail === undefined ? { failure } : { failure, detail };
}

/** True when `error` is a `SessionActorFailure` (of `kind`, when given). */
export function isSessionActorFailure(
  error: unknown,
  kind?: SessionFailureKind,
): error is SessionActorFailure {
  if (typeof error !== 'object' || error === null || !('failure' in error)) return false;
  const failure = (error as { failure: unknown }).failure;
  return (
    (SESSION_FAILURE_KINDS as readonly unknown[]).includes(failure) &&
    (kind === undefined || failure === kind)
  );
}

// ---------------------------------------------------------------------------------------------
// Card reading

export interface ReadCardInput {
  procedure: Procedure;
}

/** Tries left of one PIN, as the empty VERIFY reports them (0 = blocked). */
export interface PinTries {
  triesLeft: number;
}

/**
 * SELECT the JPKI application, read the PIN counters and the authentication certificate.
 * `not-my-number-card` when the JPKI application is absent. The token serial and certificates stay
 * in the runtime (it needs them for the card proof); the machine gets only what decides the flow.
 */
export type ReadCardOutput =
  | {
      result: 'my-number-card';
      pins: Record<PinKind, PinTries>;
      authCertificate: CertificateValidity;
    }
  | { result: 'not-my-number-card' };

// ---------------------------------------------------------------------------------------------
// Proving the current PIN

export interface VerifyCurrentPinInput {
  /** The PIN to prove: its characters are in the runtime's `current` buffer. */
  pin: PinKind;
}

/**
 * VERIFY the `current` buffer against that PIN, then wipe the buffer. `wrong-pin` carries the tries
 * left after this attempt (0 means this attempt blocked it); `blocked` is `69 84`.
 */
export type VerifyCurrentPinOutput =
  { result: 'verified' } | { result: 'wrong-pin'; triesLeft: number } | { result: 'blocked' };

// ---------------------------------------------------------------------------------------------
// Reservation

/** Why the API will not let this card go on (the runtime maps the API's error codes to these). */
export const REFUSAL_REASONS = [
  /** RESERVATION_NOT_FOUND: none for this card and procedure (or it was made with another card). */
  'no-reservation',
  'reservation-expired',
  /** Completed already. */
  'reservation-used',
  'reservation-cancelled',
  /** Claimed by another session right now. */
  'reservation-in-use',
  /** The reserved procedure is not offered at this store. */
  'procedure-not-offered',
  /** CERT_EXPIRED ("Code 21"). */
  'auth-certificate-expired',
  /** CERT_REVOKED ("Code 23"). */
  'certificate-revoked',
  /** SIGN_CERT_REVOKED: moved house or married. */
  'signature-certificate-revoked',
  /** CERT_UNTRUSTED / PROOF_INVALID: not a genuine JPKI card. */
  'card-not-trusted',
  /**
   * CARD_MISMATCH: the token serial or a certificate is not of the card whose PIN was proven (the
   * API's issuer record, or the kiosk's re-read before the reset). A possible attack.
   */
  'card-mismatch',
  /** OUTSIDE_SERVICE_HOURS: the API's clock says closed (it decides, not the kiosk). */
  'outside-hours',
  /** RESERVATION_FOR_OTHER_PROCEDURE (check before the PIN): the card's reservation is for the other PIN. */
  'reservation-other-procedure',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/**
 * Before any PIN: the API looks the card's reservation up from its authentication certificate (read
 * without a PIN) and, when it is usable, admits the session (service hours, docs/decisions.md).
 * Coarse by design: usable or the refusal the screen must show, nothing about the person.
 */
export interface PrecheckReservationInput {
  procedure: Procedure;
}
export type PrecheckReservationOutput = { result: 'usable' } | { result: 'refused'; reason: RefusalReason };

export interface LookupReservationInput {
  procedure: Procedure;
}

export interface ReservationFacts {
  id: string;
  procedure: Procedure;
  /** created + 24 h, epoch ms. */
  expiresAt: number;
}

/** Card proof (sign the kiosk challenge) + API lookup. */
export type LookupReservationOutput =
  { result: 'found'; reservation: ReservationFacts } | { result: 'refused'; reason: RefusalReason };

// ---------------------------------------------------------------------------------------------
// New PIN checks the machine cannot do from lengths

export interface CheckNewPinInput {
  /** The kind of the new PIN. */
  pin: PinKind;
  /** `new`: the first entry's format; `confirm`: the confirmation equals the first entry. */
  stage: 'new' | 'confirm';
}

/**
 * `format`: the `new` buffer breaks a character rule (the signature PIN mixes letters and digits);
 * `differ`: the `confirm` buffer differs from the `new` one. Lengths are checked by the machine.
 */
export type CheckNewPinOutput = { verdict: 'accepted' } | { verdict: 'format' } | { verdict: 'differ' };

// ---------------------------------------------------------------------------------------------
// The reset (DESIGN §3), one step per actor

export interface ClaimReservationInput {
  procedure: Procedure;
  reservationId: string;
}

/**
 * SELECT the PIN file to reset, GET CHALLENGE, claim the reservation with the API (which returns the
 * cryptogram; the runtime keeps it and the claim id). If aborted after the claim request was sent,
 * the runtime must release whatever claim comes back (reason `card-removed`/`cancelled`).
 */
export type ClaimReservationOutput = { result: 'claimed' } | { result: 'refused'; reason: RefusalReason };

export interface ResetStepInput {
  /** The PIN being reset. */
  pin: PinKind;
}

/** EXTERNAL AUTHENTICATE with the claim's cryptogram. `63 00` → wrong-cryptogram, `69 83` → reset-blocked. */
export type AuthoriseResetOutput =
  { result: 'authorised' } | { result: 'refused'; reason: 'wrong-cryptogram' | 'reset-blocked' };

/**
 * RESET RETRY COUNTER with the `new` buffer. `6A 80` → wrong-format, `69 82` → not-authorised.
 * When it went unanswered, the runtime asks the card (counter, VERIFY with the new PIN): `set` if
 * it took, `not-taken` if it certainly did not; otherwise it rejects (the outcome is uncertain).
 */
export type SetNewPinOutput =
  { result: 'set' } | { result: 'refused'; reason: 'wrong-format' | 'not-authorised' | 'not-taken' };

/**
 * VERIFY the `new` buffer: the proof that the reset took. When verified, `certificate` is the
 * validity of the certificate whose PIN was reset, if the runtime read it (the signature
 * certificate becomes readable now); null falls back to the authentication certificate's.
 */
export type VerifyNewPinOutput =
  { result: 'verified'; certificate: CertificateValidity | null } | { result: 'rejected' };

/** Release reasons of the API's release endpoint. */
export type ReleaseReason = 'card-removed' | 'reset-failed' | 'cancelled' | 'timeout' | 'other';

/** Complete or release the held claim: recorded durably in the runtime's outbox, delivered when it can. */
export type SettleClaimInput = { outcome: 'complete' } | { outcome: 'release'; reason: ReleaseReason };
export interface SettleClaimOutput {
  /** True once the settlement is in the outbox (it reaches the API later if the network is down). */
  recorded: true;
}

// ---------------------------------------------------------------------------------------------
// What the runtime provides

/** Input and output of every actor, by the name the machine invokes it with. */
export interface SessionActorContract {
  readCard: { input: ReadCardInput; output: ReadCardOutput };
  precheckReservation: { input: PrecheckReservationInput; output: PrecheckReservationOutput };
  verifyCurrentPin: { input: VerifyCurrentPinInput; output: VerifyCurrentPinOutput };
  lookupReservation: { input: LookupReservationInput; output: LookupReservationOutput };
  checkNewPin: { input: CheckNewPinInput; output: CheckNewPinOutput };
  claimReservation: { input: ClaimReservationInput; output: ClaimReservationOutput };
  authoriseReset: { input: ResetStepInput; output: AuthoriseResetOutput };
  setNewPin: { input: ResetStepInput; output: SetNewPinOutput };
  verifyNewPin: { input: ResetStepInput; output: VerifyNewPinOutput };
  settleClaim: { input: SettleClaimInput; output: SettleClaimOutput };
}
export type SessionActorName = keyof SessionActorContract;

/** The actor logic the runtime supplies for each name (`fromPromise(async ({ input, signal }) => …)`). */
export type SessionActorImplementations = {
  [Name in SessionActorName]: PromiseActorLogic<
    SessionActorContract[Name]['output'],
    SessionActorContract[Name]['input']
  >;
};

/**
 * The runtime's PIN buffers. Each call names a buffer; characters arrive one at a time, already
 * validated and uppercased. Wipe means overwrite (fill(0)) and forget.
 */
export interface PinBufferActions {
  appendPinCharacter(params: { slot: PinSlot; character: string }): void;
  /** Whether `slot` holds a letter and a digit (the new-PIN rule feedback); nothing else about it. */
  pinComposition(params: { slot: PinSlot }): PinComposition;
  removeLastPinCharacter(params: { slot: PinSlot }): void;
  wipePinBuffers(params: { slots: readonly PinSlot[] }): void;
}

/** Everything `createSessionMachine` needs from the runtime. */
export interface SessionRuntime {
  actors: SessionActorImplementations;
  pinBuffers: PinBufferActions;
}
