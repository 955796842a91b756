import { randomBytes } from 'node:crypto';
import type {
  CreateReservationRequest,
  PhoneChallengeResponse,
  ReservationCreated,
  ReservationView,
} from '../contract';
import { hashToken, newId, newToken } from '../auth/tokens';
import { ApiError, unwrap } from '../server/api-error';
import type { ApiErrorCode } from '../contract';
import type { ApiPolicy } from '../server/policy';
import type { Outcome, ReservationRecord, ReservationStore } from '../store/reservation-store';
import {
  cardRefOf,
  certificatesToVerify,
  type ProofCertificates,
  proofCertificatesOf,
  provenCertificate,
  publicKeyRef,
} from '../verification/card-proof-verifier';
import type { CardCertificateVerifier, VerifiedCertificate } from '../verification/certificate-verifier';

type CertificateOf = VerifiedCertificate['certificate'];
import type { FaceAttestationVerifier } from '../verification/face-attestation-verifier';

/**
 * Step 1, as the phone app does it: a challenge, then a reservation backed by the card's proof and
 * the face-match attestation; status and cancel for the token holder.
 */

export interface PhoneReservationsDeps {
  store: ReservationStore;
  certificates: CardCertificateVerifier;
  face: FaceAttestationVerifier;
  policy: ApiPolicy;
}

/** A fresh challenge nonce: base64url of 32 random bytes. */
export function newNonce(): string {
  return randomBytes(32).toString('base64url');
}

export class PhoneReservations {
  constructor(private readonly deps: PhoneReservationsDeps) {}

  async issueChallenge(now: number): Promise<PhoneChallengeResponse> {
    const nonce = newNonce();
    const expiresAt = now + this.deps.policy.challengeTtlMs;
    await this.deps.store.issueChallenge({
      nonce,
      purpose: 'reserve',
      kioskId: null,
      issuedAt: now,
      expiresAt,
    });
    return { nonce, expiresAt };
  }

  /**
   * Checks, in this order, each with its own code: the challenge (fresh, unused — it is used up
   * whatever follows); the per-card attempt limit; the certificates (chain, validity, revocation);
   * the card's proof over the challenge; the face attestation. Then stores the reservation,
   * superseding the card's active one for the procedure.
   *
   * The order is the order of the codes, not of the work (issue 13): a read-only look refuses a
   * spent challenge or an over-limit card before any signature is checked; the signatures are then
   * checked; and one write uses the challenge, counts the attempt and — if every check passed —
   * stores the reservation, re-deciding the challenge and the limit atomically (a concurrent use
   * still wins with its code). One commit on SQLite where there were two.
   */
  async create(body: CreateReservationRequest, now: number): Promise<ReservationCreated> {
    const { store, policy } = this.deps;
    const challenge = { nonce: body.nonce, purpose: 'reserve', kioskId: null, now } as const;
    const ders = proofCertificatesOf(body);
    // Parsed strictly (canonical DER, nothing after it) before anything counts against the card,
    // so the card is named by its certificate's issuer and serial, not by the bytes sent. Parsing
    // has no effect, so doing it first changes no order: the challenge is used up (and refused
    // first) whatever follows.
    const authCertificate = this.deps.certificates.parseCertificate(ders.auth);
    if (!authCertificate) {
      unwrap(await store.consumeChallenge(challenge));
      throw new ApiError('CERT_MALFORMED');
    }
    const cardRef = cardRefOf(authCertificate);
    const spend = {
      challenge: { ...challenge, cardRef, windowMs: policy.cardAttemptWindowMs },
      maxAttempts: policy.cardAttemptsPerWindow,
    };
    const attempts = unwrap(await store.peekChallengeForCard(spend.challenge));
    // Over the limit: the attempt is still counted and the challenge used, as every refusal after
    // the challenge's own.
    if (attempts > policy.cardAttemptsPerWindow) unwrap(await store.spendChallengeAndCreate(spend));

    const checked = await this.checkProofs(body, ders, now);
    if (!checked.ok) {
      unwrap(await store.spendChallengeAndCreate(spend));
      throw new ApiError(checked.code);
    }
    const reservationToken = newToken();
    const created = unwrap(
      await store.spendChallengeAndCreate({
        ...spend,
        reservation: {
          id: newId('rsv'),
          tokenHash: hashToken(reservationToken),
          cardRef,
          proofKeyRef: checked.value.proofKeyRef,
          tokenSerial: checked.value.tokenSerial,
          procedure: body.procedure,
          createdAt: now,
          expiresAt: now + policy.reservationTtlMs,
        },
      }),
    );
    if (!created) throw new Error('the store created no reservation for a create that passed its checks');
    return { ...viewOf(created.reservation), reservationToken };
  }

  /**
   * The create's signature and record checks: certificates, the card's proof over the challenge,
   * the issuer record's token serial, the face attestation. A refusal comes back as its code (the
   * caller still writes the challenge's use and the attempt); anything else unexpected throws.
   */
  private async checkProofs(
    body: CreateReservationRequest,
    ders: ProofCertificates,
    now: number,
  ): Promise<Outcome<{ proofKeyRef: string; tokenSerial: string }>> {
    try {
      const verified = unwrap(
        await this.deps.certificates.verify(certificatesToVerify(body.procedure, ders), now),
      );
      const proofCertificate = provenCertificate(body, ders, verified, 'reserve');
      if (!proofCertificate) return refusedWith('PROOF_INVALID');

      // The reset key will be derived from this card's token serial: the issuer's, never the client's
      // (DESIGN §3). Both certificates must be of one card on record, and the stated serial its own.
      const tokenSerial = await this.recordedTokenSerial(
        verified.map((item) => item.certificate),
        body.tokenSerial,
        now,
      );

      const faceRefusal = await this.deps.face.check(body.faceAttestation, body.nonce, now);
      if (faceRefusal) return refusedWith(faceRefusal);
      return { ok: true, value: { proofKeyRef: publicKeyRef(proofCertificate), tokenSerial } };
    } catch (error) {
      if (error instanceof ApiError) return refusedWith(error.code);
      throw error;
    }
  }

  /**
   * The token serial the issuer record gives for the card of `certificates`, which must be the one
   * the request states. A mismatch is refused CARD_MISMATCH and audited (a possible attack: someone
   * proved one card's PIN and named another card); not on record is CERT_UNTRUSTED.
   */
  private async recordedTokenSerial(
    certificates: CertificateOf[],
    stated: string,
    now: number,
  ): Promise<string> {
    const card = this.deps.certificates.recordedCard(certificates, stated);
    if (!card.ok && card.code === 'CARD_MISMATCH') {
      await this.deps.store.auditRefusal({
        actor: 'phone',
        kioskId: null,
        reservationId: null,
        action: 'create-reservation',
        code: card.code,
        now,
      });
    }
    return unwrap(card);
  }

  async status(reservationId: string, token: string, now: number): Promise<ReservationView> {
    const found = await this.deps.store.readReservation({ reservationId, tokenHash: hashToken(token), now });
    return viewOf(unwrap(found));
  }

  async cancel(reservationId: string, token: string, now: number): Promise<ReservationView> {
    const cancelled = await this.deps.store.cancelReservation({
      reservationId,
      tokenHash: hashToken(token),
      now,
    });
    return viewOf(unwrap(cancelled));
  }
}

function refusedWith(code: ApiErrorCode): Outcome<never> {
  return { ok: false, code };
}

/** What the token holder may see of a reservation. */
export function viewOf(reservation: ReservationRecord): ReservationView {
  return {
    reservationId: reservation.id,
    procedure: reservation.procedure,
    status: reservation.status,
    createdAt: reservation.createdAt,
    expiresAt: reservation.expiresAt,
  };
}
