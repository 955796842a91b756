import type { ReservationStatus } from '../../state-machines/reservation/reservation-lifecycle';
import type {
  ApiErrorCode,
  AuditEntry,
  HeartbeatRequest,
  KioskEvent,
  OperatorRole,
  Procedure,
} from '../contract';
import type { FleetOverviewStore } from './fleet-overview-store';
import type { KioskControlStore } from './kiosk-control-store';
import type { OpsStore } from './ops-store';
import type { InstanceChannel } from './instance-channel';
import type { RateLimitStore } from './rate-limit-store';

/**
 * The narrow storage interface of the reservation API. Each method is one business operation and
 * one atomic transaction, so another engine (PostgreSQL for several API instances) can implement
 * it with the same guarantees. Methods are async for that reason; the SQLite store does its work
 * synchronously inside. Every reservation status change is validated by the lifecycle machine and
 * written to the append-only audit trail in the same transaction.
 */

export type { ReservationStatus };

/** A refusal with its API error code, or success with a value. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: ApiErrorCode };

export interface ReservationRecord {
  id: string;
  procedure: Procedure;
  status: ReservationStatus;
  /** SHA-256 (hex) of the authentication certificate's DER: the card's pseudonym. */
  cardRef: string;
  /** SHA-256 (hex) of the proof certificate's SubjectPublicKeyInfo. */
  proofKeyRef: string;
  tokenSerial: string;
  createdAt: number;
  expiresAt: number;
  /** The current (or last) claim. */
  claimId: string | null;
  leaseExpiresAt: number | null;
  completedAt: number | null;
}

export interface NewReservation {
  id: string;
  tokenHash: string;
  cardRef: string;
  proofKeyRef: string;
  tokenSerial: string;
  procedure: Procedure;
  createdAt: number;
  expiresAt: number;
}

export interface KioskRecord {
  id: string;
  chain: string;
  storeId: string;
  /** JIS X 0401 prefecture code; null/absent for kiosks registered without one. */
  prefecture?: string | null;
  /** The store's name (search, dashboard); null/absent when not given. */
  storeName?: string | null;
  procedures: Procedure[];
  /** Ed25519 public key, 32 raw bytes, base64. */
  publicKey: string;
  registeredAt: number;
  revokedAt: number | null;
}

export interface KioskStatus extends KioskRecord {
  lastHeartbeat: (HeartbeatRequest & { receivedAt: number }) | null;
}

export interface OperatorRecord {
  id: string;
  name: string;
  role: OperatorRole;
  createdAt: number;
}

export type ChallengePurpose = 'reserve' | 'kiosk';

export interface LookupResult {
  lookupId: string;
  lookupExpiresAt: number;
  reservation: ReservationRecord;
}

export interface ClaimResult {
  claimId: string;
  leaseExpiresAt: number;
  reservation: ReservationRecord;
  /** True when this answers a claim already granted (its kiosk's retry), not a new claim. */
  replayed: boolean;
}

export interface ConsumeChallengeInput {
  nonce: string;
  purpose: ChallengePurpose;
  kioskId: string | null;
  now: number;
}

export interface SpendChallengeInput {
  challenge: ConsumeChallengeInput & { cardRef: string; windowMs: number };
  /** Attempts of the card allowed within the window; one more is refused RATE_LIMITED. */
  maxAttempts: number;
  /** The reservation to store once the challenge and the attempt pass; absent after a failed check. */
  reservation?: NewReservation;
}

/** A stored reservation and the ids of the ones it superseded. */
export interface CreatedReservation {
  reservation: ReservationRecord;
  superseded: string[];
}

export interface ReadReservationInput {
  reservationId: string;
  tokenHash: string;
  now: number;
}

export interface CancelReservationInput {
  reservationId: string;
  tokenHash: string;
  now: number;
}

export interface LookupReservationInput {
  kioskId: string;
  cardRef: string;
  proofKeyRef: string;
  tokenSerial: string;
  procedure: Procedure;
  lookupId: string;
  lookupTtlMs: number;
  now: number;
  /**
   * The kiosk challenge the lookup's card proof answered, used up first and atomically with the
   * lookup where the engine can (SQLite: one commit instead of two); its refusal comes back as
   * consumeChallenge's does, unaudited.
   */
  challenge?: ConsumeChallengeInput;
}

export interface CheckReservationInput {
  kioskId: string;
  cardRef: string;
  /** The proof key when known before the PIN (signature-pin: the authentication key), else null. */
  proofKeyRef: string | null;
  /** The token serial the issuer recorded for the certificate. */
  tokenSerial: string;
  procedure: Procedure;
  now: number;
}

export interface ClaimReservationInput {
  kioskId: string;
  lookupId: string;
  procedure: Procedure;
  claimId: string;
  leaseMs: number;
  /**
   * Fingerprint of what the claim answers for (PIN file, card challenge; see claimRequestDigest):
   * kept with the claim so only the same request, retried, is answered again.
   */
  requestDigest: string;
  now: number;
}

export interface CompleteClaimInput {
  kioskId: string;
  claimId: string;
  now: number;
}

export interface ReleaseClaimInput {
  kioskId: string;
  claimId: string;
  reason: string;
  now: number;
}

export interface AuditRefusalInput {
  actor: string;
  kioskId: string | null;
  reservationId: string | null;
  action: string;
  code: ApiErrorCode;
  now: number;
}

export interface RememberKioskNonceInput {
  kioskId: string;
  nonce: string;
  now: number;
  windowMs: number;
}

export interface AppendKioskEventsInput {
  kioskId: string;
  events: KioskEvent[];
  receivedAt: number;
}

export interface ReservationStore {
  /** Operator monitoring: login sessions, alerts, session rollup, statistics. */
  readonly ops: OpsStore;
  /** The per-client rate limits' counters, shared by every instance on the database. */
  readonly rateLimits: RateLimitStore;
  /** The national fleet overview (counts and pages computed by the database). */
  readonly fleetOverview: FleetOverviewStore;
  /** Remote actions on kiosks, the kiosk page, audit search, the funnel (docs/operators.md). */
  readonly controls: KioskControlStore;

  /** Stores a challenge nonce (phone: kioskId null; kiosk: the kiosk it was issued to). */
  issueChallenge(challenge: {
    nonce: string;
    purpose: ChallengePurpose;
    kioskId: string | null;
    issuedAt: number;
    expiresAt: number;
  }): Promise<void>;

  /** Marks a challenge used, once: CHALLENGE_UNKNOWN (also another kiosk's) / CHALLENGE_EXPIRED / CHALLENGE_USED. */
  consumeChallenge(input: ConsumeChallengeInput): Promise<Outcome<void>>;

  /** Read-only: consumeChallenge's refusal if it would refuse now, writing nothing. */
  peekChallenge(input: ConsumeChallengeInput): Promise<Outcome<void>>;

  /** Records a reservation attempt for a card and returns the attempts within the window, this one included. */
  recordCardAttempt(input: { cardRef: string; now: number; windowMs: number }): Promise<number>;

  /**
   * consumeChallenge, then — only if the challenge was usable — recordCardAttempt, as one
   * operation: a reservation create's two bookkeeping writes in one transaction where the store
   * can (one commit instead of two on the hot path). The refusal is the challenge's; the value the
   * card's attempts within the window, this one included.
   */
  consumeChallengeForCard(
    input: ConsumeChallengeInput & { cardRef: string; windowMs: number },
  ): Promise<Outcome<number>>;

  /**
   * Read-only: what consumeChallengeForCard would answer now — the challenge's refusal, or the
   * card's attempts within the window counting this one — writing nothing. A create refuses a spent
   * challenge or an over-limit card with it before checking any signature.
   */
  peekChallengeForCard(
    input: ConsumeChallengeInput & { cardRef: string; windowMs: number },
  ): Promise<Outcome<number>>;

  /**
   * A reservation create's writes as one operation: consumeChallengeForCard, then RATE_LIMITED past
   * `maxAttempts`, then — when `reservation` is given — createReservation. Without a reservation
   * (the create failed a check after the challenge was read) only the challenge's use and the
   * attempt are written, and the value is null. On SQLite this is one transaction and one commit
   * instead of two; on PostgreSQL the same steps run as before, in their own transactions.
   */
  spendChallengeAndCreate(input: SpendChallengeInput): Promise<Outcome<CreatedReservation | null>>;

  /** Inserts an active reservation, superseding the active one of the same card and procedure. */
  createReservation(input: NewReservation): Promise<CreatedReservation>;

  /** The reservation whose id and token hash match (expired lazily when due), else RESERVATION_NOT_FOUND. */
  readReservation(input: ReadReservationInput): Promise<Outcome<ReservationRecord>>;

  /** Cancels an active reservation (token holder only); repeating a cancel is harmless. */
  cancelReservation(input: CancelReservationInput): Promise<Outcome<ReservationRecord>>;

  /**
   * Finds the card's latest reservation of this procedure for a kiosk, refuses precisely when it is
   * not usable, and records a lookup (single use, this kiosk only) the claim must present.
   */
  lookupReservation(input: LookupReservationInput): Promise<Outcome<LookupResult>>;

  /**
   * Before any PIN: the card's latest reservation of this procedure (as lookupReservation finds it,
   * the proof key compared only when given). Usable → records that this kiosk admitted it now (the
   * latest admission per kiosk and reservation) and answers its id. Otherwise the refusal; when the
   * card has a live reservation (active or claimed, not expired) of the other procedure,
   * RESERVATION_FOR_OTHER_PROCEDURE. Refusals are audited (`reservation-check`).
   */
  checkReservation(input: CheckReservationInput): Promise<Outcome<{ reservationId: string }>>;

  /** When this kiosk admitted the reservation of its lookup (checkReservation), or null. */
  admissionOfLookup(input: { kioskId: string; lookupId: string }): Promise<number | null>;

  /**
   * Atomically claims the looked-up reservation (active → claimed) for a lease. The same kiosk
   * retrying with the same lookup and request digest while that claim is still held (lease running,
   * no outcome) gets the same claim again, without a second transition; any other reuse of a used
   * lookup is LOOKUP_INVALID.
   */
  claimReservation(input: ClaimReservationInput): Promise<Outcome<ClaimResult>>;

  /** claimed → completed for this kiosk's claim; the same claim again answers the same result. */
  completeClaim(input: CompleteClaimInput): Promise<Outcome<{ reservationId: string; completedAt: number }>>;

  /** claimed → active (then expired when 24 h are up); repeating a release is harmless. */
  releaseClaim(
    input: ReleaseClaimInput,
  ): Promise<Outcome<{ reservationId: string; status: 'active' | 'expired' | 'superseded' }>>;

  /** Expires every active reservation whose 24 h are up; returns how many. */
  expireDue(now: number): Promise<number>;

  /** Records a refused kiosk operation in the audit trail (no request data, only the code). */
  auditRefusal(input: AuditRefusalInput): Promise<void>;

  registerKiosk(kiosk: KioskRecord, actor: string): Promise<void>;
  /** Registers every kiosk or none (one transaction), each audited as `registerKiosk` does. */
  registerKiosks(kiosks: readonly KioskRecord[], actor: string): Promise<void>;
  revokeKiosk(input: { kioskId: string; actor: string; now: number }): Promise<Outcome<KioskRecord>>;
  getKiosk(kioskId: string): Promise<KioskRecord | undefined>;
  listKiosks(): Promise<KioskStatus[]>;

  /** Remembers a kiosk request nonce; false when it was already seen within the window (a replay). */
  rememberKioskNonce(input: RememberKioskNonceInput): Promise<boolean>;
  saveHeartbeat(input: { kioskId: string; heartbeat: HeartbeatRequest; receivedAt: number }): Promise<void>;
  /**
   * Stores events idempotently by (kiosk, event id); each newly stored `session.ended` counts once
   * in the per-minute session rollup, in the same transaction.
   */
  appendKioskEvents(input: AppendKioskEventsInput): Promise<{ accepted: number; duplicates: number }>;

  createOperator(
    input: OperatorRecord & { tokenHash: string; actor: string },
  ): Promise<Outcome<OperatorRecord>>;
  operatorByTokenHash(tokenHash: string): Promise<OperatorRecord | undefined>;

  auditEntries(query: { reservationId?: string; afterSeq?: number; limit: number }): Promise<AuditEntry[]>;

  /**
   * A channel to the other API instances on this database (the operators' live streams); the
   * caller closes it before the store. Silent on an engine only one instance can use.
   */
  openInstanceChannel(): InstanceChannel;

  /** Resolves when the database answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
