import { createHash, X509Certificate } from 'node:crypto';
import { fromPromise } from 'xstate';
import { CardError } from '../../hardware/card-error';
import { PIN_FILES } from '../../hardware/jpki/constants';
import type { JpkiClient } from '../../hardware/jpki/jpki-client';
import { KioskApiError } from '../../kiosk/api-client/kiosk-api-error';
import type { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { cardProofDigest, type ClaimResponse, resetPinFileOf } from '../../reservation-api/contract';
import {
  type CertificateValidity,
  type ClaimReservationInput,
  type ClaimReservationOutput,
  type PinKind,
  type Procedure,
  PROCEDURE_PINS,
  type RefusalReason,
  isSessionActorFailure,
  type ReleaseReason,
  type SessionActorImplementations,
  sessionActorFailure,
  type SessionActorFailure,
} from '../../state-machines/session';
import type { PinBuffers } from './pin-buffers';

/** A completion or release of a claim that must reach the API. Holds ids only: no PIN, no token. */
export type ClaimSettlement =
  { kind: 'complete'; claimId: string } | { kind: 'release'; claimId: string; reason: ReleaseReason };

/** Where settlements go: the journal's outbox in production (durable, retried), the API directly in tests. */
export interface ClaimSettler {
  /**
   * Resolves once the settlement is recorded (not necessarily delivered). `uncertain`: a release
   * after RESET RETRY COUNTER was sent whose effect on the card could not be settled by asking it
   * (the journal keeps it, and the kiosk raises `reset-outcome-uncertain`).
   */
  record(settlement: ClaimSettlement, options?: { uncertain?: boolean }): Promise<void>;
}

/** A settler with no outbox: delivers at once, and fails the actor when the API cannot be reached. */
export function directSettler(api: KioskApiClient): ClaimSettler {
  return {
    async record(settlement) {
      if (settlement.kind === 'complete') await api.complete({ claimId: settlement.claimId });
      else await api.release({ claimId: settlement.claimId, reason: settlement.reason });
    },
  };
}

/**
 * How far a reset got, journaled BEFORE each step (crash recovery decides from it):
 * `claiming` the claim request is about to go (its answer may never be seen) · `claimed` the claim
 * is held · `authorising` EXTERNAL AUTHENTICATE about to go · `writing-pin` RESET RETRY COUNTER about
 * to go (whether the card took it is unknown until it answers) · `pin-set` the card acknowledged the
 * new PIN · `verified` the new PIN verified.
 */
export type ResetStep = 'claiming' | 'claimed' | 'authorising' | 'writing-pin' | 'pin-set' | 'verified';

/** Where the reset's progress is journaled (kiosk/journal/claim-journal.ts). Ids and step names only. */
export interface ResetJournal {
  /**
   * Before the claim request; returns the entry. `card`: a digest of the card's token serial and
   * the tries left of the PIN to reset, so crash recovery can ask the card whether the reset took.
   */
  claiming(entry: {
    lookupId: string;
    reservationId: string;
    procedure: Procedure;
    card?: { digest: string; triesBefore: number };
  }): number;
  /** The claim's answer arrived. */
  claimed(entry: number, claimId: string): void;
  step(entry: number, step: ResetStep): void;
  /** The claim was refused: nothing to settle. */
  dropped(entry: number): void;
}

export interface SessionActorDependencies {
  /** The card session of the card on the reader (the runtime swaps it per card). */
  card: () => JpkiClient;
  api: KioskApiClient;
  pins: PinBuffers;
  settler: ClaimSettler;
  /** The reset journal for crash recovery (none: nothing journaled). */
  journal?: ResetJournal;
  /** Epoch ms, the kiosk's clock: how old the lookup is when the claim goes. */
  now: () => number;
}

/**
 * The API takes a claim only within 3 minutes of its lookup (docs/api.md, "claim binding"), and a
 * customer typing a long new PIN can take longer. A lookup this old on the kiosk's clock is made
 * again before the claim: the minute left covers the claim's own steps and a kiosk clock a little
 * behind the API's (a larger gap is met by the claim's LOOKUP_EXPIRED, docs/kiosk-runtime.md).
 */
export const LOOKUP_REFRESH_AFTER_MS = 2 * 60_000;

/** The API's refusal codes and what the machine calls them; any other API error is a failure. */
const REFUSALS: Partial<Record<string, RefusalReason>> = {
  RESERVATION_NOT_FOUND: 'no-reservation',
  RESERVATION_EXPIRED: 'reservation-expired',
  RESERVATION_USED: 'reservation-used',
  RESERVATION_CANCELLED: 'reservation-cancelled',
  RESERVATION_SUPERSEDED: 'reservation-cancelled',
  RESERVATION_IN_USE: 'reservation-in-use',
  PROCEDURE_NOT_OFFERED: 'procedure-not-offered',
  CERT_EXPIRED: 'auth-certificate-expired',
  CERT_REVOKED: 'certificate-revoked',
  SIGN_CERT_REVOKED: 'signature-certificate-revoked',
  CERT_UNTRUSTED: 'card-not-trusted',
  CERT_MALFORMED: 'card-not-trusted',
  CERT_NOT_YET_VALID: 'card-not-trusted',
  PROOF_INVALID: 'card-not-trusted',
  CARD_MISMATCH: 'card-mismatch',
  OUTSIDE_SERVICE_HOURS: 'outside-hours',
  RESERVATION_FOR_OTHER_PROCEDURE: 'reservation-other-procedure',
};

/** The machine's refusal for an API error, or undefined when it is a failure. */
export function refusalOf(error: unknown): RefusalReason | undefined {
  return error instanceof KioskApiError ? REFUSALS[error.code] : undefined;
}

/** The failure a card or API error becomes (details name the error kind only). */
export function failureOf(error: unknown): SessionActorFailure {
  if (isSessionActorFailure(error)) return error;
  if (error instanceof CardError) {
    if (error.kind === 'card-removed') return sessionActorFailure('card-removed', error.kind);
    if (error.kind === 'reader-unavailable') return sessionActorFailure('reader-unavailable', error.kind);
    return sessionActorFailure('card-unreadable', error.kind);
  }
  if (error instanceof KioskApiError) return sessionActorFailure('service-unreachable', error.code);
  return sessionActorFailure('card-unreadable', error instanceof Error ? error.name : 'unknown');
}

function cardErrorKind(error: unknown): CardError['kind'] | undefined {
  return error instanceof CardError ? error.kind : undefined;
}

/**
 * The failure of a card step that needs the PIN proven earlier in this session (re-reading the
 * signature certificate, signing a new proof). `69 82` there means the card no longer holds that
 * proof — it was reset, or its application selected again — so only proving the PIN again, from
 * the start, can go on: `pin-proof-lost` (E-015, "start again"), never `card-removed` (the card
 * stayed) nor `service-unreachable` (docs/decisions.md, "A lookup too old to claim from").
 */
export function provenStepFailureOf(error: unknown): SessionActorFailure {
  if (cardErrorKind(error) === 'security-status-not-satisfied') {
    return sessionActorFailure('pin-proof-lost', 'security-status-not-satisfied');
  }
  return failureOf(error);
}

/** Validity of a DER certificate. */
export function validityOf(der: Uint8Array): CertificateValidity {
  const certificate = new X509Certificate(der);
  return { notBefore: Date.parse(certificate.validFrom), notAfter: Date.parse(certificate.validTo) };
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** What the runtime remembers of the card and the API between actors of one session. */
interface SessionFacts {
  /** The card session the card was read in: every later exchange must be in this same one. */
  session?: JpkiClient;
  tokenSerial?: string;
  authCertificate?: Uint8Array;
  /** The certificate whose PIN was proven, as sent in the lookup. */
  proofCertificate?: Uint8Array;
  lookupId?: string;
  /** Kiosk clock when the lookup of `lookupId` was sent (a little before the API recorded it). */
  lookupSentAt?: number;
  claim?: ClaimResponse;
  /** The reset journal's entry of the claim under way. */
  journalEntry?: number;
  /** RESET RETRY COUNTER was sent and whether the card took it is not known (yet). */
  resetUnsettled?: boolean;
  /** Tries left of each PIN when the card was read. */
  triesLeft?: Record<PinKind, number>;
}

/**
 * What the kiosk journal keeps to recognise a card after a crash: SHA-256 of a purpose prefix and
 * its token serial (one-way; the serial itself is never journaled).
 */
export function resetCardDigest(tokenSerial: string): string {
  return createHash('sha256')
    .update('jpki-pin-reset/kiosk-journal-card/v1\n')
    .update(tokenSerial)
    .digest('hex');
}

/**
 * The session machine's actors over a JPKI client, the kiosk API client and the PIN buffers. Each
 * actor binds its AbortSignal to the card (`withSignal`) and to its HTTP call; expected outcomes
 * are outputs, everything else rejects with a `SessionActorFailure`.
 */
export function createSessionActors(deps: SessionActorDependencies): SessionActorImplementations {
  let facts: SessionFacts = {};
  const card = (signal: AbortSignal) => deps.card().withSignal(signal);
  /** Journals that the reset is about to take `step` (before it is taken). */
  const reaching = (step: ResetStep) => {
    if (facts.journalEntry !== undefined) deps.journal?.step(facts.journalEntry, step);
  };

  /** Runs `work`, turning every non-outcome error into a failure. */
  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw failureOf(error);
    }
  }

  /**
   * Whether the card answering now is the one read and proven in this session: the same card
   * session (no other card was placed meanwhile), and the token serial and the proven certificate
   * it gives now are the bytes it gave before. A card that answers as two cards fails this.
   */
  async function isTheProvenCard(client: JpkiClient, proven: PinKind): Promise<boolean> {
    const { session, tokenSerial, proofCertificate } = facts;
    if (session === undefined || session !== deps.card()) return false;
    if (tokenSerial === undefined || proofCertificate === undefined) return false;
    const now = await client.readTokenInfo();
    if (now.tokenSerial !== tokenSerial) return false;
    const certificate = await client.readCertificate(proven);
    return Buffer.from(certificate).equals(Buffer.from(proofCertificate));
  }

  /**
   * After RESET RETRY COUNTER went unanswered, asks the card — in this same card session — whether
   * it took the new PIN: a successful reset restores the counter to its maximum, so a blocked or
   * lower counter means it did not; at the maximum, VERIFY with the new PIN (still held) decides.
   * `unknown` when the card cannot be asked (gone, mute, another card, the session left the step).
   */
  async function askCardWhetherResetTook(
    pin: PinKind,
    signal: AbortSignal,
  ): Promise<'set' | 'not-set' | 'unknown'> {
    if (signal.aborted || facts.session === undefined || facts.session !== deps.card()) return 'unknown';
    try {
      const client = card(signal);
      const status = await client.pinStatus(pin);
      if (status.blocked || status.triesLeft < PIN_FILES[pin].maxTries) return 'not-set';
      await deps.pins.withPin('new', (value) => client.verifyPin(pin, value));
      return 'set';
    } catch (error) {
      const kind = cardErrorKind(error);
      return kind === 'wrong-pin' || kind === 'pin-blocked' ? 'not-set' : 'unknown';
    }
  }

  /**
   * The card proof over a fresh kiosk challenge — the card signs with the key of the PIN proven in
   * this card session — and the API lookup. Notes the lookup id, when it was sent and the proof
   * certificate. `proofCertificate`: the one already read (a refresh), else read now.
   */
  async function proveAndLookUp(procedure: Procedure, signal: AbortSignal, proofCertificate?: Uint8Array) {
    const proven = PROCEDURE_PINS[procedure].proves;
    const { tokenSerial, authCertificate } = facts;
    if (tokenSerial === undefined || authCertificate === undefined) {
      throw sessionActorFailure('card-unreadable', 'lookup before the card was read');
    }
    const client = card(signal);
    const { nonce } = await deps.api.challenge({ signal });
    const certificate =
      proofCertificate ?? (proven === 'sign' ? await client.readCertificate('sign') : authCertificate);
    const signature = await client.sign(proven, cardProofDigest('kiosk', nonce));
    const sentAt = deps.now();
    const found = await deps.api.lookup(
      {
        nonce,
        procedure,
        tokenSerial,
        authCertificate: base64(authCertificate),
        proof: { certificate: base64(certificate), signature: base64(signature) },
      },
      { signal },
    );
    facts.lookupId = found.lookupId;
    facts.lookupSentAt = sentAt;
    facts.proofCertificate = certificate;
    return found;
  }

  /**
   * A new lookup for the claim, the old one being too old (or about to be): a new challenge, signed
   * by the card with the key already proven (the card keeps the verified PIN until its application
   * is selected again; nothing between lookup and claim selects it). The caller has just checked
   * that this is the proven card. Undefined when it found the same reservation; otherwise the
   * refusal that ends the session — never a reset of another reservation than the one confirmed.
   */
  async function lookUpAgain(
    input: ClaimReservationInput,
    signal: AbortSignal,
  ): Promise<ClaimReservationOutput | undefined> {
    try {
      const found = await proveAndLookUp(input.procedure, signal, facts.proofCertificate);
      // Another reservation now: the one confirmed was superseded by a newer one (the API's
      // RESERVATION_SUPERSEDED, which is `reservation-cancelled`).
      if (found.reservationId !== input.reservationId || found.procedure !== input.procedure) {
        return { result: 'refused', reason: 'reservation-cancelled' };
      }
      return undefined;
    } catch (error) {
      const reason = refusalOf(error);
      if (reason !== undefined) return { result: 'refused', reason };
      throw provenStepFailureOf(error);
    }
  }

  /**
   * One claim with the current lookup: check the card, look up again when `refresh`, GET CHALLENGE
   * (last card step before the claim: any SELECT, such as the signing's, voids the challenge), journal,
   * claim. `lookup-expired`: the API refused the claim LOOKUP_EXPIRED — no claim exists, the
   * journal entry is dropped.
   */
  async function claimOnce(
    input: ClaimReservationInput,
    signal: AbortSignal,
    refresh: boolean,
  ): Promise<ClaimReservationOutput | { result: 'lookup-expired' }> {
    const { proves, resets } = PROCEDURE_PINS[input.procedure];
    // Reset only the card whose PIN was verified (DESIGN §3): same card session, same token
    // serial, same proven certificate — re-read now, before anything is signed or claimed.
    let proven: boolean;
    try {
      proven = await isTheProvenCard(card(signal), proves);
    } catch (error) {
      throw provenStepFailureOf(error);
    }
    if (!proven) return { result: 'refused', reason: 'card-mismatch' };
    if (refresh) {
      const refusal = await lookUpAgain(input, signal);
      if (refusal !== undefined) return refusal;
    }
    const { lookupId } = facts;
    if (lookupId === undefined) throw sessionActorFailure('service-unreachable', 'claim without a lookup');
    const cardChallenge = await guarded(() => card(signal).beginReset(resets));
    const { tokenSerial, triesLeft } = facts;
    const entry = deps.journal?.claiming({
      lookupId,
      reservationId: input.reservationId,
      procedure: input.procedure,
      ...(tokenSerial !== undefined && triesLeft !== undefined
        ? { card: { digest: resetCardDigest(tokenSerial), triesBefore: triesLeft[resets] } }
        : {}),
    });
    const request = {
      lookupId,
      pinFile: resetPinFileOf(input.procedure),
      cardChallenge: base64(cardChallenge),
    };
    let claim: ClaimResponse;
    try {
      // No signal on the claim itself: if the customer leaves meanwhile, the claim that comes
      // back must still be known so it can be released. A claim whose answer was lost (network,
      // timeout) is asked once more with the same body: an API that replays the claim of a used
      // lookup answers it again; otherwise the lease returns it (docs/kiosk-runtime.md).
      claim = await deps.api.claim(request).catch((error: unknown) => {
        if (error instanceof KioskApiError && error.retriable) return deps.api.claim(request);
        throw error;
      });
    } catch (error) {
      // LOOKUP_EXPIRED is a refusal too: the API refuses an expired lookup only while unused, so no
      // claim exists for it (a used one gets the replay or LOOKUP_INVALID).
      const expired = error instanceof KioskApiError && error.is('LOOKUP_EXPIRED');
      const reason = refusalOf(error);
      // Refused: no claim exists. Otherwise the answer may be lost with a claim granted: the
      // entry stays `claiming` (recovery, docs/kiosk-runtime.md).
      if (reason !== undefined || expired) {
        if (entry !== undefined) deps.journal?.dropped(entry);
        return reason !== undefined ? { result: 'refused', reason } : { result: 'lookup-expired' };
      }
      throw failureOf(error);
    }
    if (entry !== undefined) deps.journal?.claimed(entry, claim.claimId);
    if (signal.aborted) {
      await deps.settler.record({ kind: 'release', claimId: claim.claimId, reason: 'cancelled' });
      throw sessionActorFailure('card-removed', 'aborted after the claim was granted');
    }
    facts.claim = claim;
    if (entry !== undefined) facts.journalEntry = entry;
    return { result: 'claimed' };
  }

  return {
    readCard: fromPromise(async ({ input: _input, signal }) => {
      facts = {};
      const client = card(signal);
      try {
        await client.selectApplication();
      } catch (error) {
        if (cardErrorKind(error) === 'not-jpki') return { result: 'not-my-number-card' as const };
        throw failureOf(error);
      }
      return guarded(async () => {
        const { tokenSerial } = await client.readTokenInfo();
        const authCertificate = await client.readCertificate('auth');
        const auth = await client.pinStatus('auth');
        const sign = await client.pinStatus('sign');
        facts = {
          session: deps.card(),
          tokenSerial,
          authCertificate,
          triesLeft: { auth: auth.triesLeft, sign: sign.triesLeft },
        };
        return {
          result: 'my-number-card' as const,
          pins: { auth: { triesLeft: auth.triesLeft }, sign: { triesLeft: sign.triesLeft } },
          authCertificate: validityOf(authCertificate),
        };
      });
    }),

    // Before any PIN: only what the card gives without one — the authentication certificate and
    // the token serial, which the API matches against the issuer's record (CARD_MISMATCH).
    precheckReservation: fromPromise(async ({ input, signal }) => {
      const { authCertificate, tokenSerial } = facts;
      if (authCertificate === undefined || tokenSerial === undefined) {
        throw sessionActorFailure('card-unreadable', 'reservation check before the card was read');
      }
      try {
        await deps.api.reservationCheck(
          { procedure: input.procedure, authCertificate: base64(authCertificate), tokenSerial },
          { signal },
        );
        return { result: 'usable' as const };
      } catch (error) {
        const reason = refusalOf(error);
        if (reason !== undefined) return { result: 'refused' as const, reason };
        throw failureOf(error);
      }
    }),

    verifyCurrentPin: fromPromise(async ({ input, signal }) => {
      try {
        await deps.pins.withPin('current', (pin) => card(signal).verifyPin(input.pin, pin));
        return { result: 'verified' as const };
      } catch (error) {
        if (error instanceof CardError && error.kind === 'wrong-pin') {
          return { result: 'wrong-pin' as const, triesLeft: error.triesLeft ?? 0 };
        }
        if (cardErrorKind(error) === 'pin-blocked') return { result: 'blocked' as const };
        throw failureOf(error);
      } finally {
        deps.pins.wipePinBuffers({ slots: ['current'] });
      }
    }),

    lookupReservation: fromPromise(async ({ input, signal }) => {
      try {
        const found = await proveAndLookUp(input.procedure, signal);
        return {
          result: 'found' as const,
          reservation: { id: found.reservationId, procedure: found.procedure, expiresAt: found.expiresAt },
        };
      } catch (error) {
        const reason = refusalOf(error);
        if (reason !== undefined) return { result: 'refused' as const, reason };
        throw failureOf(error);
      }
    }),

    checkNewPin: fromPromise(async ({ input }) => {
      if (input.stage === 'confirm') {
        return deps.pins.same('new', 'confirm')
          ? { verdict: 'accepted' as const }
          : { verdict: 'differ' as const };
      }
      if (input.pin === 'sign' && !deps.pins.mixesLettersAndDigits('new'))
        return { verdict: 'format' as const };
      return { verdict: 'accepted' as const };
    }),

    // The customer may have spent minutes on the new PIN: a lookup too old (kiosk clock) is made
    // again first; one the API still finds expired (its clock ahead) is made again once, after.
    claimReservation: fromPromise(async ({ input, signal }) => {
      const { lookupId, lookupSentAt } = facts;
      if (lookupId === undefined || lookupSentAt === undefined) {
        throw sessionActorFailure('service-unreachable', 'claim without a lookup');
      }
      const stale = deps.now() - lookupSentAt >= LOOKUP_REFRESH_AFTER_MS;
      const first = await claimOnce(input, signal, stale);
      if (first.result !== 'lookup-expired') return first;
      if (!stale) {
        const second = await claimOnce(input, signal, true);
        if (second.result !== 'lookup-expired') return second;
      }
      // Expired seconds after a fresh lookup: the API's clock or the link misbehaves, not the
      // customer — the service's trouble (docs/decisions.md, "A lookup too old to claim from").
      throw sessionActorFailure('service-unreachable', 'LOOKUP_EXPIRED');
    }),

    authoriseReset: fromPromise(async ({ signal }) => {
      const { claim } = facts;
      if (claim === undefined) throw sessionActorFailure('card-unreadable', 'no claim to authorise');
      reaching('authorising');
      try {
        await card(signal).authorizeReset(Buffer.from(claim.cryptogram, 'base64'));
        return { result: 'authorised' as const };
      } catch (error) {
        const kind = cardErrorKind(error);
        if (kind === 'reset-refused')
          return { result: 'refused' as const, reason: 'wrong-cryptogram' as const };
        if (kind === 'reset-blocked') return { result: 'refused' as const, reason: 'reset-blocked' as const };
        throw failureOf(error);
      }
    }),

    setNewPin: fromPromise(async ({ input, signal }) => {
      reaching('writing-pin');
      facts.resetUnsettled = true;
      try {
        await deps.pins.withPin('new', (pin) => card(signal).resetRetryCounter(input.pin, pin));
        facts.resetUnsettled = false;
        reaching('pin-set');
        return { result: 'set' as const };
      } catch (error) {
        const kind = cardErrorKind(error);
        // The card answered: nothing changed on it.
        if (kind === 'wrong-data' || kind === 'security-status-not-satisfied') {
          facts.resetUnsettled = false;
          const reason = kind === 'wrong-data' ? ('wrong-format' as const) : ('not-authorised' as const);
          return { result: 'refused' as const, reason };
        }
        // Sent, but no answer (timeout, garbage, link lost): ask the card what it did.
        const settled = await askCardWhetherResetTook(input.pin, signal);
        if (settled === 'set') {
          facts.resetUnsettled = false;
          reaching('pin-set');
          return { result: 'set' as const };
        }
        if (settled === 'not-set') {
          facts.resetUnsettled = false;
          return { result: 'refused' as const, reason: 'not-taken' as const };
        }
        throw failureOf(error);
      }
    }),

    verifyNewPin: fromPromise(async ({ input, signal }) => {
      const client = card(signal);
      try {
        await deps.pins.withPin('new', (pin) => client.verifyPin(input.pin, pin));
      } catch (error) {
        const kind = cardErrorKind(error);
        if (kind === 'wrong-pin' || kind === 'pin-blocked') return { result: 'rejected' as const };
        throw failureOf(error);
      } finally {
        deps.pins.wipePinBuffers({ slots: ['new', 'confirm'] });
      }
      reaching('verified');
      // The PIN took; the certificate it guards is only a nicety for the done screen.
      let certificate: CertificateValidity | null = null;
      try {
        if (input.pin === 'sign') certificate = validityOf(await client.readCertificate('sign'));
        else if (facts.authCertificate) certificate = validityOf(facts.authCertificate);
      } catch {
        certificate = null;
      }
      return { result: 'verified' as const, certificate };
    }),

    settleClaim: fromPromise(async ({ input }) => {
      const { claim } = facts;
      if (claim === undefined) throw sessionActorFailure('service-unreachable', 'no claim to settle');
      const settlement: ClaimSettlement =
        input.outcome === 'complete'
          ? { kind: 'complete', claimId: claim.claimId }
          : { kind: 'release', claimId: claim.claimId, reason: input.reason };
      const uncertain = settlement.kind === 'release' && facts.resetUnsettled === true;
      await guarded(() => deps.settler.record(settlement, uncertain ? { uncertain } : undefined));
      facts.claim = undefined;
      facts.journalEntry = undefined;
      facts.resetUnsettled = undefined;
      return { recorded: true as const };
    }),
  };
}
