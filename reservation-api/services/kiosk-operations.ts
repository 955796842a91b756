import { createHash } from 'node:crypto';
import { deriveCardResetKey, resetCryptogram } from '../../hardware/jpki/reset-crypto';
import {
  admittedSessionEndsAt,
  maySessionGoOn,
  maySessionStart,
} from '../../state-machines/time/session-admission';
import {
  type ApiErrorCode,
  type ClaimRequest,
  type ClaimResponse,
  type CompleteResponse,
  type EventBatchRequest,
  type EventBatchResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type KioskChallengeResponse,
  type LookupRequest,
  type LookupResponse,
  type Procedure,
  PROCEDURES,
  type ReleaseRequest,
  type ReleaseResponse,
  type ReservationCheckRequest,
  type ReservationCheckResponse,
  resetPinFileOf,
} from '../contract';
import { newId } from '../auth/tokens';
import { ApiError } from '../server/api-error';
import type { ApiPolicy } from '../server/policy';
import type { ClaimResult, KioskRecord, Outcome, ReservationStore } from '../store/reservation-store';
import {
  cardRefOf,
  certificatesToVerify,
  proofCertificatesOf,
  provenCertificate,
  publicKeyRef,
} from '../verification/card-proof-verifier';
import type { CardCertificateVerifier } from '../verification/certificate-verifier';
import { newNonce } from './phone-reservations';

/**
 * Step 2 at a kiosk. Lookup proves the card (and the PIN the person knows) and finds the
 * reservation; claim — bound to a lookup this kiosk made moments ago — takes the reservation
 * atomically and returns the reset cryptogram for the card's challenge; complete/release end the
 * claim. Refusals are audited with the kiosk's id and the code.
 */

export interface KioskOperationsDeps {
  store: ReservationStore;
  certificates: CardCertificateVerifier;
  policy: ApiPolicy;
  /** The issuer master key the card reset keys derive from (an HSM in production). */
  masterKey: Uint8Array;
  /** Counts outcomes for /metrics. */
  onOutcome?: (operation: string, procedure: Procedure | undefined, code: ApiErrorCode | 'ok') => void;
}

export class KioskOperations {
  constructor(private readonly deps: KioskOperationsDeps) {}

  async challenge(kiosk: KioskRecord, now: number): Promise<KioskChallengeResponse> {
    const nonce = newNonce();
    const expiresAt = now + this.deps.policy.challengeTtlMs;
    await this.deps.store.issueChallenge({
      nonce,
      purpose: 'kiosk',
      kioskId: kiosk.id,
      issuedAt: now,
      expiresAt,
    });
    return { nonce, expiresAt };
  }

  /**
   * Before any PIN (DESIGN §4, §7). In order: the procedure is offered here; the service window is
   * open (server clock) — the session is admitted now or never; the authentication certificate
   * (chain, validity, revocation) and the card the issuer recorded for it; then the reservation of
   * that certificate (issuer + serial, as every reservation is keyed). The answer says only what the
   * kiosk screen must: usable, or the refusal — cancelled and superseded read as not found, as the
   * screen tells them. A usable reservation is recorded as admitted by this kiosk (the store).
   */
  async checkReservation(
    kiosk: KioskRecord,
    body: ReservationCheckRequest,
    now: number,
  ): Promise<ReservationCheckResponse> {
    const { policy } = this.deps;
    await this.audited(kiosk, 'reservation-check', body.procedure, now, async () => {
      if (!kiosk.procedures.includes(body.procedure)) return refused('PROCEDURE_NOT_OFFERED');
      if (!maySessionStart(now, policy.serviceWindow)) return refused('OUTSIDE_SERVICE_HOURS');
      const der = Buffer.from(body.authCertificate, 'base64');
      const verified = await this.deps.certificates.verify([{ der, kind: 'auth' }], now);
      if (!verified.ok) return verified;
      const certificate = verified.value[0]!.certificate;
      // The serial the card states, when sent, must be the one on record for its certificate: a
      // mismatch is a spliced card, refused (CARD_MISMATCH) and audited before any PIN.
      const card = this.deps.certificates.recordedCard([certificate], body.tokenSerial);
      if (!card.ok) return refused(card.code);
      const checked = await this.deps.store.checkReservation({
        kioskId: kiosk.id,
        cardRef: cardRefOf(certificate),
        // The proof key is the authentication key for signature-pin; for auth-pin it is the
        // signature certificate's, which needs the PIN to read: the lookup checks it later.
        proofKeyRef: body.procedure === 'signature-pin' ? publicKeyRef(certificate) : null,
        tokenSerial: card.value,
        procedure: body.procedure,
        now,
      });
      if (checked.ok) return checked;
      return { ok: false as const, code: SAID_BEFORE_THE_PIN[checked.code] ?? checked.code };
    });
    return {
      result: 'usable',
      admittedUntil: admittedSessionEndsAt(now, policy.serviceWindow, policy.closingGraceMs),
    };
  }

  /**
   * In order: the procedure is offered here; the challenge was issued to this kiosk, fresh and
   * unused; the certificates (chain, validity, revocation); the card's proof; then the reservation.
   * As in a create, that is the order of the codes, not of the work: a read-only look refuses a
   * spent challenge before any signature is checked, and the challenge is used up with the lookup
   * in one transaction — or on its own when a check refused (it is used up whatever follows).
   */
  async lookup(kiosk: KioskRecord, body: LookupRequest, now: number): Promise<LookupResponse> {
    const challenge = { nonce: body.nonce, purpose: 'kiosk', kioskId: kiosk.id, now } as const;
    const result = await this.audited(kiosk, 'lookup', body.procedure, now, async () => {
      if (!kiosk.procedures.includes(body.procedure)) return refused('PROCEDURE_NOT_OFFERED');
      const usable = await this.deps.store.peekChallenge(challenge);
      if (!usable.ok) return usable;
      const checked = await this.checkLookupProof(body, now);
      if (!checked.ok) {
        const spent = await this.deps.store.consumeChallenge(challenge);
        return spent.ok ? checked : spent;
      }
      // The store audits its own refusals (they name the reservation).
      return this.deps.store.lookupReservation({
        kioskId: kiosk.id,
        cardRef: checked.value.cardRef,
        proofKeyRef: checked.value.proofKeyRef,
        tokenSerial: checked.value.tokenSerial,
        procedure: body.procedure,
        lookupId: newId('lku'),
        lookupTtlMs: this.deps.policy.lookupTtlMs,
        now,
        challenge,
      });
    });
    return {
      lookupId: result.lookupId,
      reservationId: result.reservation.id,
      procedure: result.reservation.procedure,
      expiresAt: result.reservation.expiresAt,
      lookupExpiresAt: result.lookupExpiresAt,
    };
  }

  /**
   * In order: the PIN file names a procedure; it is offered here; now (server clock, Japan time) is
   * within the service window — or within the grace after closing for a session this kiosk had
   * admitted (its reservation check) before closing; then, atomically, the lookup binding and the
   * reservation's state.
   * A kiosk whose claim answer was lost and that asks again with the same body, while its claim is
   * held, gets the same claim again: the store matches the request digest, and the cryptogram —
   * an HMAC of the PIN file and that same card challenge — recomputes to the same bytes, so the
   * replay hands out nothing the first answer did not.
   */
  async claim(kiosk: KioskRecord, body: ClaimRequest, now: number): Promise<ClaimResponse> {
    const procedure = PROCEDURES.find((p) => resetPinFileOf(p) === body.pinFile);
    const countedAs = (granted: ClaimResult) => (granted.replayed ? 'claim-replay' : 'claim');
    const claim = await this.audited(
      kiosk,
      'claim',
      procedure,
      now,
      async () => {
        if (!procedure) return refused('PIN_FILE_MISMATCH');
        if (!kiosk.procedures.includes(procedure)) return refused('PROCEDURE_NOT_OFFERED');
        if (!(await this.sessionMayGoOn(kiosk, body.lookupId, now))) return refused('OUTSIDE_SERVICE_HOURS');
        return this.deps.store.claimReservation({
          kioskId: kiosk.id,
          lookupId: body.lookupId,
          procedure,
          claimId: newId('clm'),
          leaseMs: this.deps.policy.leaseMs,
          requestDigest: claimRequestDigest(body),
          now,
        });
      },
      countedAs,
    );
    const cardKey = deriveCardResetKey(this.deps.masterKey, claim.reservation.tokenSerial);
    try {
      const cryptogram = resetCryptogram(cardKey, body.pinFile, Buffer.from(body.cardChallenge, 'base64'));
      return {
        claimId: claim.claimId,
        reservationId: claim.reservation.id,
        procedure: claim.reservation.procedure,
        cryptogram: cryptogram.toString('base64'),
        leaseExpiresAt: claim.leaseExpiresAt,
      };
    } finally {
      cardKey.fill(0);
    }
  }

  /** The lookup's checks after the challenge: the certificates, the card's proof, the card on record. */
  private async checkLookupProof(
    body: LookupRequest,
    now: number,
  ): Promise<Outcome<{ cardRef: string; proofKeyRef: string; tokenSerial: string }> | RefusedBeforeStore> {
    const ders = proofCertificatesOf(body);
    const verified = await this.deps.certificates.verify(certificatesToVerify(body.procedure, ders), now);
    if (!verified.ok) return verified;
    const proofCertificate = provenCertificate(body, ders, verified.value, 'kiosk');
    if (!proofCertificate) return refused('PROOF_INVALID');
    // The card is the issuer's record of these certificates; the stated serial must be its own
    // (DESIGN §3). A mismatch is audited as CARD_MISMATCH (a possible attack, an operator alert).
    const certificates = verified.value.map((item) => item.certificate);
    const card = this.deps.certificates.recordedCard(certificates, body.tokenSerial);
    if (!card.ok) return refused(card.code);
    return {
      ok: true,
      value: {
        cardRef: cardRefOf(verified.value[0]!.certificate),
        proofKeyRef: publicKeyRef(proofCertificate),
        tokenSerial: card.value,
      },
    };
  }

  /**
   * The shared rule (session-admission.ts) on the server's clock: open, or admitted before closing
   * and within the grace — widened by the kiosk clock skew the API accepts, since the kiosk stops
   * claiming at the grace's end on its own clock.
   */
  private async sessionMayGoOn(kiosk: KioskRecord, lookupId: string, now: number): Promise<boolean> {
    const { serviceWindow, closingGraceMs, kioskClockSkewMs } = this.deps.policy;
    if (maySessionStart(now, serviceWindow)) return true;
    const admittedAt = await this.deps.store.admissionOfLookup({ kioskId: kiosk.id, lookupId });
    return maySessionGoOn(now, admittedAt, serviceWindow, closingGraceMs + kioskClockSkewMs);
  }

  async complete(kiosk: KioskRecord, claimId: string, now: number): Promise<CompleteResponse> {
    const done = await this.audited(kiosk, 'complete', undefined, now, () =>
      this.deps.store.completeClaim({ kioskId: kiosk.id, claimId, now }),
    );
    return { reservationId: done.reservationId, status: 'completed', completedAt: done.completedAt };
  }

  async release(kiosk: KioskRecord, body: ReleaseRequest, now: number): Promise<ReleaseResponse> {
    return this.audited(kiosk, 'release', undefined, now, () =>
      this.deps.store.releaseClaim({ kioskId: kiosk.id, claimId: body.claimId, reason: body.reason, now }),
    );
  }

  async heartbeat(kiosk: KioskRecord, body: HeartbeatRequest, now: number): Promise<HeartbeatResponse> {
    await this.deps.store.saveHeartbeat({ kioskId: kiosk.id, heartbeat: body, receivedAt: now });
    return { receivedAt: now, clockSkewMs: body.clock - now };
  }

  async events(kiosk: KioskRecord, body: EventBatchRequest, now: number): Promise<EventBatchResponse> {
    return this.deps.store.appendKioskEvents({ kioskId: kiosk.id, events: body.events, receivedAt: now });
  }

  /**
   * Runs one kiosk operation; a refusal found before the store is audited here (the store audits
   * its own), counted, and thrown as an ApiError. A success is counted as `action`, or as what
   * `countedAs` names it (a replayed claim is not a second claim).
   */
  private async audited<T>(
    kiosk: KioskRecord,
    action: string,
    procedure: Procedure | undefined,
    now: number,
    work: () => Promise<Outcome<T> | RefusedBeforeStore>,
    countedAs: (value: T) => string = () => action,
  ): Promise<T> {
    const outcome = await work();
    if ('beforeStore' in outcome) {
      await this.deps.store.auditRefusal({
        actor: `kiosk:${kiosk.id}`,
        kioskId: kiosk.id,
        reservationId: null,
        action,
        code: outcome.code,
        now,
      });
    }
    if (!outcome.ok) {
      this.deps.onOutcome?.(action, procedure, outcome.code);
      throw new ApiError(outcome.code);
    }
    this.deps.onOutcome?.(countedAs(outcome.value), procedure, 'ok');
    return outcome.value;
  }
}

/**
 * SHA-256 (hex) of what a claim's cryptogram answers for — the PIN file and the card's challenge —
 * so a retried claim can be told from a new one without keeping the challenge itself.
 */
export function claimRequestDigest(body: Pick<ClaimRequest, 'pinFile' | 'cardChallenge'>): string {
  const challenge = Buffer.from(body.cardChallenge, 'base64');
  const fid = Buffer.from([(body.pinFile >> 8) & 0xff, body.pinFile & 0xff]);
  return createHash('sha256')
    .update('jpki-pin-reset/claim-request/v1\n', 'latin1')
    .update(fid)
    .update(challenge)
    .digest('hex');
}

/** Refusals the screen tells in other words: a cancelled or replaced reservation is, for the customer, none. */
const SAID_BEFORE_THE_PIN: Partial<Record<ApiErrorCode, ApiErrorCode>> = {
  RESERVATION_CANCELLED: 'RESERVATION_NOT_FOUND',
  RESERVATION_SUPERSEDED: 'RESERVATION_NOT_FOUND',
};

interface RefusedBeforeStore {
  ok: false;
  code: ApiErrorCode;
  beforeStore: true;
}

function refused(code: ApiErrorCode): RefusedBeforeStore {
  return { ok: false, code, beforeStore: true };
}
