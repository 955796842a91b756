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
  type PinKind,
  type Procedure,
  PROCEDURE_PINS,
  type RefusalReason,
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
}

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
      const proven = PROCEDURE_PINS[input.procedure].proves;
      const { tokenSerial, authCertificate } = facts;
      if (tokenSerial === undefined || authCertificate === undefined) {
        throw sessionActorFailure('card-unreadable', 'lookup before the card was read');
      }
      try {
        const client = card(signal);
        const { nonce } = await deps.api.challenge({ signal });
        const proofCertificate = proven === 'sign' ? await client.readCertificate('sign') : authCertificate;
        const signature = await client.sign(proven, cardProofDigest('kiosk', nonce));
        const found = await deps.api.lookup(
          {
            nonce,
            procedure: input.procedure,
            tokenSerial,
            authCertificate: base64(authCertificate),
            proof: { certificate: base64(proofCertificate), signature: base64(signature) },
          },
          { signal },
        );
        facts.lookupId = found.lookupId;
        facts.proofCertificate = proofCertificate;
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

    claimReservation: fromPromise(async ({ input, signal }) => {
      const { lookupId } = facts;
      if (lookupId === undefined) throw sessionActorFailure('service-unreachable', 'claim without a lookup');
      const reset: PinKind = PROCEDURE_PINS[input.procedure].resets;
      // Reset only the card whose PIN was verified (DESIGN §3): same card session, same token
      // serial, same proven certificate — re-read now, before anything is claimed.
      if (!(await guarded(() => isTheProvenCard(card(signal), PROCEDURE_PINS[input.procedure].proves)))) {
        return { result: 'refused' as const, reason: 'card-mismatch' as const };
      }
      const cardChallenge = await guarded(() => card(signal).beginReset(reset));
      const { tokenSerial, triesLeft } = facts;
      const entry = deps.journal?.claiming({
        lookupId,
        reservationId: input.reservationId,
        procedure: input.procedure,
        ...(tokenSerial !== undefined && triesLeft !== undefined
          ? { card: { digest: resetCardDigest(tokenSerial), triesBefore: triesLeft[reset] } }
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
        const reason = refusalOf(error);
        // Refused: no claim exists. Otherwise the answer may be lost with a claim granted: the
        // entry stays `claiming` (recovery, docs/kiosk-runtime.md).
        if (reason !== undefined) {
          if (entry !== undefined) deps.journal?.dropped(entry);
          return { result: 'refused' as const, reason };
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
      return { result: 'claimed' as const };
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
