import type pg from 'pg';
import {
  nextReservationState,
  type ReservationEvent,
} from '../../../state-machines/reservation/reservation-lifecycle';
import type { ApiErrorCode, AuditEntry, HeartbeatRequest, Procedure } from '../../contract';
import { minuteBucketOf, sessionFactOf } from '../../fleet/session-facts';
import type { FleetOverviewStore } from '../fleet-overview-store';
import type { OpsStore } from '../ops-store';
import type {
  AppendKioskEventsInput,
  AuditRefusalInput,
  CancelReservationInput,
  ChallengePurpose,
  CheckReservationInput,
  ClaimReservationInput,
  ClaimResult,
  CompleteClaimInput,
  ConsumeChallengeInput,
  KioskRecord,
  KioskStatus,
  LookupReservationInput,
  LookupResult,
  NewReservation,
  OperatorRecord,
  Outcome,
  ReadReservationInput,
  ReleaseClaimInput,
  RememberKioskNonceInput,
  ReservationRecord,
  ReservationStore,
  CreatedReservation,
  SpendChallengeInput,
} from '../reservation-store';
import {
  ADMISSIONS_KEPT_MS,
  challengeRefusalOf,
  type ChallengeRow,
  type AuditRow,
  type ClaimRow as BaseClaimRow,
  EVENT_ACTIONS,
  isOfTheCard,
  type KioskRow,
  type LookupRow,
  ok,
  otherProcedureOf,
  refused,
  type ReservationRow,
  stateOf,
  toKiosk,
  toReservation,
  UNUSABLE,
  type Who,
} from '../store-rows';
import { migratePostgres } from './migrate';
import { createPool, type PoolOptions } from './pool';
import { PostgresFleetOverview } from './postgres-fleet-overview';
import { PostgresOpsStore } from './postgres-ops-store';
import { PostgresRateLimitStore } from './postgres-rate-limit-store';
import type { RateLimitStore } from '../rate-limit-store';
import type { InstanceChannel } from '../instance-channel';
import { PostgresInstanceChannel } from './postgres-instance-channel';
import { PostgresControlStore } from './postgres-control-store';
import type { KioskControlStore } from '../kiosk-control-store';
import { changes, inTransaction, row, rows, type Tx } from './transaction';

/**
 * The reservation store on PostgreSQL (node-postgres), for several API instances on one database.
 * It answers exactly as the SQLite store does (one contract suite runs against both); what differs
 * is how races are settled, since SQLite serialises every write and PostgreSQL does not:
 *
 * - Everything about one card's reservations of one procedure runs under a transaction-scoped
 *   advisory lock on (card, procedure) — the unit SQLite's IMMEDIATE lock protects here — and the
 *   rows read are locked FOR UPDATE, so a sweep running at the same time (SKIP LOCKED) cannot change
 *   them under us. Status changes are conditional (`UPDATE … WHERE status = $from RETURNING`), and
 *   the partial unique indexes (one active reservation per card and procedure, one completion per
 *   reservation) hold whatever a bug might try.
 * - Single-statement operations need no transaction: a challenge is used by `UPDATE … WHERE
 *   used_at IS NULL RETURNING`, a kiosk nonce by `INSERT … ON CONFLICT`, a heartbeat by an upsert.
 * - Every commit is durable before the API answers (synchronous_commit = on, see pool.ts) — the
 *   anti-abuse bookkeeping too, which SQLite lets skip its sync.
 */

/** A claim as this store reads it: with the digest of the claim request it answered. */
type ClaimRow = BaseClaimRow & { request_digest: string | null };

const RESERVATION_COLUMNS = `id, procedure, status, card_ref, proof_key_ref, token_serial, created_at, expires_at,
  claim_id, lease_expires_at, completed_at`;

/** Advisory-lock key spaces (two-int form; the migration lock uses the one-bigint form). */
const LOCK_CARD = 1;
const LOCK_CARD_ATTEMPTS = 2;
const LOCK_EVENT_FEED = 3;

/**
 * The rows an opportunistic prune deletes: at most 1000, and none another transaction holds
 * (SKIP LOCKED). Instances pruning the same old rows at once would otherwise wait on each other
 * and could deadlock with the insert that follows; what one prune skips, a later one takes. Never
 * needed for correctness: every reader filters by time.
 */
function prunable(table: string, key: string, condition: string): string {
  return `SELECT ${key} FROM ${table} WHERE ${condition} LIMIT 1000 FOR UPDATE SKIP LOCKED`;
}

export class PostgresReservationStore implements ReservationStore {
  readonly ops: OpsStore;
  readonly rateLimits: RateLimitStore;
  readonly fleetOverview: FleetOverviewStore;
  readonly controls: KioskControlStore;
  private closing: Promise<void> | undefined;

  /** Opens a pool on `url` and brings the schema up to date (under the migration advisory lock). */
  static async open(url: string, options: PoolOptions = {}): Promise<PostgresReservationStore> {
    const pool = createPool(url, options);
    try {
      await migratePostgres(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresReservationStore(pool);
  }

  constructor(private readonly pool: pg.Pool) {
    this.ops = new PostgresOpsStore(pool);
    this.rateLimits = new PostgresRateLimitStore(pool);
    this.fleetOverview = new PostgresFleetOverview(pool);
    this.controls = new PostgresControlStore(pool);
  }

  /** The pool (tests, ops CLI). */
  get database(): pg.Pool {
    return this.pool;
  }

  // ── challenges and rate limits ──────────────────────────────────────────────────────────────

  async issueChallenge(c: {
    nonce: string;
    purpose: ChallengePurpose;
    kioskId: string | null;
    issuedAt: number;
    expiresAt: number;
  }): Promise<void> {
    // Challenges long past their expiry can only ever be refused; forget them.
    await this.pool.query(
      `WITH pruned AS (DELETE FROM challenges WHERE nonce IN (${prunable('challenges', 'nonce', 'expires_at < $6')}))
       INSERT INTO challenges (nonce, purpose, kiosk_id, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [c.nonce, c.purpose, c.kioskId, c.issuedAt, c.expiresAt, c.issuedAt - 60 * 60 * 1000],
    );
  }

  async consumeChallenge(input: ConsumeChallengeInput): Promise<Outcome<void>> {
    // One conditional UPDATE decides who uses it; only a refusal reads the row again for its reason.
    const used = await changes(
      this.pool,
      `UPDATE challenges SET used_at = $1
       WHERE nonce = $2 AND purpose = $3 AND kiosk_id IS NOT DISTINCT FROM $4 AND used_at IS NULL AND $1 < expires_at`,
      [input.now, input.nonce, input.purpose, input.kioskId],
    );
    if (used === 1) return ok(undefined);
    // Why not: read the row again (expired is all that is left if it now looks usable).
    const refusal = await this.peekChallenge(input);
    return refusal.ok ? refused('CHALLENGE_EXPIRED') : refusal;
  }

  async recordCardAttempt(input: { cardRef: string; now: number; windowMs: number }): Promise<number> {
    const since = input.now - input.windowMs;
    return inTransaction(this.pool, async (tx) => {
      // Attempts of one card serialise, so two instances cannot both count "the 10th".
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CARD_ATTEMPTS, input.cardRef]);
      await tx.query(
        `DELETE FROM card_attempts WHERE ctid IN (${prunable('card_attempts', 'ctid', 'at <= $1')})`,
        [since],
      );
      await tx.query('INSERT INTO card_attempts (card_ref, at) VALUES ($1, $2)', [input.cardRef, input.now]);
      const counted = await row<{ n: number }>(
        tx,
        'SELECT count(*) AS n FROM card_attempts WHERE card_ref = $1 AND at > $2',
        [input.cardRef, since],
      );
      return counted?.n ?? 0;
    });
  }

  async consumeChallengeForCard(
    input: ConsumeChallengeInput & { cardRef: string; windowMs: number },
  ): Promise<Outcome<number>> {
    // Two statements' worth of round trips either way; the attempt keeps its own advisory-locked
    // transaction (attempts of one card serialise across instances).
    const used = await this.consumeChallenge(input);
    return used.ok ? ok(await this.recordCardAttempt(input)) : used;
  }

  async peekChallenge(input: ConsumeChallengeInput): Promise<Outcome<void>> {
    const found = await row<ChallengeRow>(
      this.pool,
      'SELECT purpose, kiosk_id, expires_at, used_at FROM challenges WHERE nonce = $1',
      [input.nonce],
    );
    return challengeRefusalOf(found, input) ?? ok(undefined);
  }

  async peekChallengeForCard(
    input: ConsumeChallengeInput & { cardRef: string; windowMs: number },
  ): Promise<Outcome<number>> {
    const usable = await this.peekChallenge(input);
    if (!usable.ok) return usable;
    const counted = await row<{ n: number }>(
      this.pool,
      'SELECT count(*) AS n FROM card_attempts WHERE card_ref = $1 AND at > $2',
      [input.cardRef, input.now - input.windowMs],
    );
    return ok((counted?.n ?? 0) + 1);
  }

  async spendChallengeAndCreate(input: SpendChallengeInput): Promise<Outcome<CreatedReservation | null>> {
    // The same steps as before, each in its own transaction: the challenge's use and the card's
    // attempt lock differently from the reservation (see consumeChallengeForCard).
    const attempts = await this.consumeChallengeForCard(input.challenge);
    if (!attempts.ok) return attempts;
    if (attempts.value > input.maxAttempts) return refused('RATE_LIMITED');
    return ok(input.reservation ? await this.createReservation(input.reservation) : null);
  }

  // ── phone: create, read, cancel ─────────────────────────────────────────────────────────────

  async createReservation(input: NewReservation): Promise<CreatedReservation> {
    return inTransaction(this.pool, async (tx) => {
      const who: Who = { actor: 'phone', kioskId: null, now: input.createdAt };
      await this.lockCard(tx, input.cardRef, input.procedure);
      const superseded: string[] = [];
      const previous = await this.activeOfCard(tx, input.cardRef, input.procedure);
      if (previous) {
        const due = await this.settleExpiry(tx, previous, who);
        if (due.status === 'active') {
          await this.transition(tx, due, [{ type: 'SUPERSEDE', now: input.createdAt }], who);
          superseded.push(previous.id);
        }
      }
      await tx.query(
        `INSERT INTO reservations (id, token_hash, card_ref, proof_key_ref, token_serial, procedure, status,
                                   created_at, expires_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $7)`,
        [
          input.id,
          input.tokenHash,
          input.cardRef,
          input.proofKeyRef,
          input.tokenSerial,
          input.procedure,
          input.createdAt,
          input.expiresAt,
        ],
      );
      await this.audit(tx, who, input.id, 'create', null, 'active', 'ok');
      return { reservation: toReservation(await this.reservationRow(tx, input.id)), superseded };
    });
  }

  async readReservation(input: ReadReservationInput): Promise<Outcome<ReservationRecord>> {
    return inTransaction(this.pool, async (tx) => {
      const found = await this.lockReservationByToken(tx, input.reservationId, input.tokenHash);
      if (!found) return refused('RESERVATION_NOT_FOUND');
      return ok(
        toReservation(await this.settleExpiry(tx, found, { actor: 'system', kioskId: null, now: input.now })),
      );
    });
  }

  async cancelReservation(input: CancelReservationInput): Promise<Outcome<ReservationRecord>> {
    return inTransaction(this.pool, async (tx) => {
      const found = await this.lockReservationByToken(tx, input.reservationId, input.tokenHash);
      if (!found) return refused('RESERVATION_NOT_FOUND');
      const who: Who = { actor: 'phone', kioskId: null, now: input.now };
      const current = await this.settleExpiry(tx, found, who);
      if (current.status === 'cancelled') return ok(toReservation(current));
      if (current.status !== 'active') return refused(UNUSABLE[current.status]);
      return ok(toReservation(await this.transition(tx, current, [{ type: 'CANCEL', now: input.now }], who)));
    });
  }

  // ── kiosk: lookup, claim, complete, release ─────────────────────────────────────────────────

  async lookupReservation(input: LookupReservationInput): Promise<Outcome<LookupResult>> {
    const who: Who = { actor: `kiosk:${input.kioskId}`, kioskId: input.kioskId, now: input.now };
    // The challenge in its own statement first, as before (one conditional UPDATE settles races).
    const used = input.challenge ? await this.consumeChallenge(input.challenge) : ok(undefined);
    if (!used.ok) return used;
    return inTransaction(this.pool, async (tx) => {
      await this.lockCard(tx, input.cardRef, input.procedure);
      const latest = await row<ReservationRow>(
        tx,
        `SELECT ${RESERVATION_COLUMNS} FROM reservations WHERE card_ref = $1 AND procedure = $2
         ORDER BY created_at DESC, row_seq DESC LIMIT 1 FOR UPDATE`,
        [input.cardRef, input.procedure],
      );
      // A reservation proven by another key or for another token serial was made with another card.
      if (
        !latest ||
        latest.proof_key_ref !== input.proofKeyRef ||
        latest.token_serial !== input.tokenSerial
      ) {
        return this.refuse(tx, who, null, 'lookup', 'RESERVATION_NOT_FOUND');
      }
      const current = await this.settleForKiosk(tx, latest, who);
      if (current.status !== 'active')
        return this.refuse(tx, who, current.id, 'lookup', UNUSABLE[current.status]);
      const lookupExpiresAt = input.now + input.lookupTtlMs;
      await tx.query(
        'INSERT INTO lookups (id, kiosk_id, reservation_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
        [input.lookupId, input.kioskId, current.id, input.now, lookupExpiresAt],
      );
      await this.audit(tx, who, current.id, 'lookup', current.status, current.status, 'ok');
      return ok({ lookupId: input.lookupId, lookupExpiresAt, reservation: toReservation(current) });
    });
  }

  async checkReservation(input: CheckReservationInput): Promise<Outcome<{ reservationId: string }>> {
    const who: Who = { actor: `kiosk:${input.kioskId}`, kioskId: input.kioskId, now: input.now };
    return inTransaction(this.pool, async (tx) => {
      await this.lockCard(tx, input.cardRef, input.procedure);
      const latest = await row<ReservationRow>(
        tx,
        `SELECT ${RESERVATION_COLUMNS} FROM reservations WHERE card_ref = $1 AND procedure = $2
         ORDER BY created_at DESC, row_seq DESC LIMIT 1 FOR UPDATE`,
        [input.cardRef, input.procedure],
      );
      const current =
        latest && isOfTheCard(latest, input) ? await this.settleForKiosk(tx, latest, who) : undefined;
      if (current?.status === 'active') {
        await tx.query('DELETE FROM admissions WHERE admitted_at < $1', [input.now - ADMISSIONS_KEPT_MS]);
        await tx.query(
          `INSERT INTO admissions (kiosk_id, reservation_id, admitted_at) VALUES ($1, $2, $3)
           ON CONFLICT (kiosk_id, reservation_id) DO UPDATE SET admitted_at = EXCLUDED.admitted_at`,
          [input.kioskId, current.id, input.now],
        );
        await this.audit(tx, who, current.id, 'reservation-check', current.status, current.status, 'ok');
        return ok({ reservationId: current.id });
      }
      // Read without the other procedure's lock: a live reservation there only changes the words.
      const other = await row<{ id: string }>(
        tx,
        `SELECT id FROM reservations WHERE card_ref = $1 AND procedure = $2 AND token_serial = $3
           AND status IN ('active', 'claimed') AND expires_at > $4 LIMIT 1`,
        [input.cardRef, otherProcedureOf(input.procedure), input.tokenSerial, input.now],
      );
      if (other) return this.refuse(tx, who, null, 'reservation-check', 'RESERVATION_FOR_OTHER_PROCEDURE');
      if (!current) return this.refuse(tx, who, null, 'reservation-check', 'RESERVATION_NOT_FOUND');
      return this.refuse(
        tx,
        who,
        current.id,
        'reservation-check',
        UNUSABLE[current.status as Exclude<typeof current.status, 'active'>],
      );
    });
  }

  async admissionOfLookup(input: { kioskId: string; lookupId: string }): Promise<number | null> {
    const found = await row<{ admitted_at: number }>(
      this.pool,
      `SELECT a.admitted_at FROM lookups l
       JOIN admissions a ON a.kiosk_id = l.kiosk_id AND a.reservation_id = l.reservation_id
       WHERE l.id = $1 AND l.kiosk_id = $2`,
      [input.lookupId, input.kioskId],
    );
    return found?.admitted_at ?? null;
  }

  async claimReservation(input: ClaimReservationInput): Promise<Outcome<ClaimResult>> {
    const who: Who = { actor: `kiosk:${input.kioskId}`, kioskId: input.kioskId, now: input.now };
    return inTransaction(this.pool, async (tx) => {
      const unlocked = await this.lookupRow(tx, input.lookupId);
      if (!unlocked || unlocked.kiosk_id !== input.kioskId) {
        return this.refuse(tx, who, null, 'claim', 'LOOKUP_INVALID');
      }
      await this.lockCardOf(tx, unlocked.reservation_id);
      // Read again under the card's lock: a racing claim of the same lookup may just have used it.
      const lookup = (await this.lookupRow(tx, input.lookupId)) ?? unlocked;
      if (lookup.used_at !== null) {
        const held = await this.heldClaimToReplay(tx, input);
        return held ?? this.refuse(tx, who, null, 'claim', 'LOOKUP_INVALID');
      }
      const found = await this.reservationRow(tx, lookup.reservation_id);
      if (input.now >= lookup.expires_at) return this.refuse(tx, who, found.id, 'claim', 'LOOKUP_EXPIRED');
      if (found.procedure !== input.procedure)
        return this.refuse(tx, who, found.id, 'claim', 'PIN_FILE_MISMATCH');
      const current = await this.settleForKiosk(tx, found, who);
      if (current.status !== 'active')
        return this.refuse(tx, who, current.id, 'claim', UNUSABLE[current.status]);
      const leaseExpiresAt = input.now + input.leaseMs;
      await tx.query(
        `INSERT INTO claims (id, reservation_id, kiosk_id, lookup_id, claimed_at, lease_expires_at, request_digest)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          input.claimId,
          current.id,
          input.kioskId,
          input.lookupId,
          input.now,
          leaseExpiresAt,
          input.requestDigest,
        ],
      );
      await tx.query('UPDATE lookups SET used_at = $1 WHERE id = $2', [input.now, input.lookupId]);
      const claimed = await this.transition(
        tx,
        current,
        [{ type: 'CLAIM', now: input.now, leaseExpiresAt }],
        who,
        {
          claimId: input.claimId,
        },
      );
      return ok({
        claimId: input.claimId,
        leaseExpiresAt,
        reservation: toReservation(claimed),
        replayed: false,
      });
    });
  }

  /**
   * The claim a used lookup led to, when this is its own kiosk asking again with the same request
   * (its answer was lost) and the claim is still held (see the SQLite store: same rules).
   */
  private async heldClaimToReplay(
    tx: Tx,
    input: ClaimReservationInput,
  ): Promise<Outcome<ClaimResult> | undefined> {
    const claim = await row<ClaimRow>(
      tx,
      'SELECT id, reservation_id, kiosk_id, outcome, request_digest FROM claims WHERE lookup_id = $1',
      [input.lookupId],
    );
    if (!claim || claim.kiosk_id !== input.kioskId || claim.outcome !== null) return undefined;
    // Claims made before the digest was kept (NULL) are never replayed.
    if (claim.request_digest === null || claim.request_digest !== input.requestDigest) return undefined;
    const current = await this.reservationRow(tx, claim.reservation_id);
    if (
      current.status !== 'claimed' ||
      current.claim_id !== claim.id ||
      current.procedure !== input.procedure ||
      current.lease_expires_at === null ||
      input.now >= current.lease_expires_at
    ) {
      return undefined;
    }
    const who: Who = { actor: `kiosk:${input.kioskId}`, kioskId: input.kioskId, now: input.now };
    await this.audit(tx, who, current.id, 'claim-replay', null, null, 'ok');
    return ok({
      claimId: claim.id,
      leaseExpiresAt: current.lease_expires_at,
      reservation: toReservation(current),
      replayed: true,
    });
  }

  async completeClaim(
    input: CompleteClaimInput,
  ): Promise<Outcome<{ reservationId: string; completedAt: number }>> {
    const who: Who = { actor: `kiosk:${input.kioskId}`, kioskId: input.kioskId, now: input.now };
    return inTransaction(this.pool, async (tx) => {
      const claim = await this.lockedClaim(tx, input.claimId);
      if (!claim || claim.kiosk_id !== input.kioskId)
        return this.refuse(tx, who, null, 'complete', 'LEASE_INVALID');
      const current = await this.reservationRow(tx, claim.reservation_id);
      if (claim.outcome === 'completed') {
        // The same claim completing again (a retried request) answers what the first one did.
        return ok({ reservationId: current.id, completedAt: current.completed_at ?? input.now });
      }
      if (claim.outcome !== null || current.status !== 'claimed' || current.claim_id !== claim.id) {
        return this.refuse(tx, who, current.id, 'complete', 'LEASE_INVALID');
      }
      await this.endClaim(tx, 'completed', input.now, claim.id);
      const done = await this.transition(tx, current, [{ type: 'COMPLETE' }], who, {
        completedAt: input.now,
      });
      return ok({ reservationId: done.id, completedAt: done.completed_at ?? input.now });
    });
  }

  async releaseClaim(
    input: ReleaseClaimInput,
  ): Promise<Outcome<{ reservationId: string; status: 'active' | 'expired' | 'superseded' }>> {
    const who: Who = { actor: `kiosk:${input.kioskId}`, kioskId: input.kioskId, now: input.now };
    return inTransaction(this.pool, async (tx) => {
      const claim = await this.lockedClaim(tx, input.claimId);
      if (!claim || claim.kiosk_id !== input.kioskId)
        return this.refuse(tx, who, null, 'release', 'LEASE_INVALID');
      const current = await this.reservationRow(tx, claim.reservation_id);
      if (
        claim.outcome === 'released' &&
        (current.status === 'active' || current.status === 'expired' || current.status === 'superseded')
      ) {
        return ok({ reservationId: current.id, status: current.status });
      }
      if (claim.outcome !== null || current.status !== 'claimed' || current.claim_id !== claim.id) {
        return this.refuse(tx, who, current.id, 'release', 'LEASE_INVALID');
      }
      await this.endClaim(tx, 'released', input.now, claim.id);
      const released = await this.transition(
        tx,
        current,
        [{ type: 'RELEASE' }, ...(await this.backToActive(tx, current, who))],
        who,
        { outcome: input.reason },
      );
      return ok({
        reservationId: released.id,
        status:
          released.status === 'expired' || released.status === 'superseded' ? released.status : 'active',
      });
    });
  }

  async expireDue(now: number): Promise<number> {
    return inTransaction(this.pool, async (tx) => {
      const who: Who = { actor: 'system', kioskId: null, now };
      // Rows another transaction holds are that transaction's to settle (it expires them itself
      // when due) or the next sweep's: the sweep never waits, so it can never deadlock with them.
      const due = await rows<ReservationRow>(
        tx,
        `SELECT ${RESERVATION_COLUMNS} FROM reservations WHERE status = 'active' AND expires_at <= $1
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, 1000],
      );
      for (const r of due) await this.transition(tx, r, [{ type: 'EXPIRE', now }], who);
      return due.length;
    });
  }

  async auditRefusal(input: AuditRefusalInput): Promise<void> {
    const who: Who = { actor: input.actor, kioskId: input.kioskId, now: input.now };
    await this.audit(this.pool, who, input.reservationId, input.action, null, null, input.code);
  }

  // ── kiosks ──────────────────────────────────────────────────────────────────────────────────

  async registerKiosk(kiosk: KioskRecord, actor: string): Promise<void> {
    await this.registerKiosks([kiosk], actor);
  }

  async registerKiosks(kiosks: readonly KioskRecord[], actor: string): Promise<void> {
    await inTransaction(this.pool, async (tx) => {
      for (const kiosk of kiosks) await this.insertKiosk(tx, kiosk, actor);
    });
  }

  private async insertKiosk(tx: Tx, kiosk: KioskRecord, actor: string): Promise<void> {
    await tx.query(
      `INSERT INTO kiosks (id, chain, store_id, procedures, public_key, registered_at, revoked_at, prefecture, store_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        kiosk.id,
        kiosk.chain,
        kiosk.storeId,
        JSON.stringify(kiosk.procedures),
        kiosk.publicKey,
        kiosk.registeredAt,
        kiosk.revokedAt,
        kiosk.prefecture ?? null,
        kiosk.storeName ?? null,
      ],
    );
    await this.audit(
      tx,
      { actor, kioskId: kiosk.id, now: kiosk.registeredAt },
      null,
      'kiosk-register',
      null,
      null,
      'ok',
    );
  }

  async revokeKiosk(input: { kioskId: string; actor: string; now: number }): Promise<Outcome<KioskRecord>> {
    return inTransaction(this.pool, async (tx) => {
      const found = await row<KioskRow>(tx, 'SELECT * FROM kiosks WHERE id = $1 FOR UPDATE', [input.kioskId]);
      if (!found) return refused('KIOSK_NOT_FOUND');
      if (found.revoked_at !== null) return ok(toKiosk(found));
      const revoked = await row<KioskRow>(tx, 'UPDATE kiosks SET revoked_at = $1 WHERE id = $2 RETURNING *', [
        input.now,
        input.kioskId,
      ]);
      await this.audit(
        tx,
        { actor: input.actor, kioskId: input.kioskId, now: input.now },
        null,
        'kiosk-revoke',
        null,
        null,
        'ok',
      );
      return ok(toKiosk(revoked ?? found));
    });
  }

  async getKiosk(kioskId: string): Promise<KioskRecord | undefined> {
    const found = await row<KioskRow>(
      this.pool,
      { name: 'kiosk-by-id', text: 'SELECT * FROM kiosks WHERE id = $1' },
      [kioskId],
    );
    return found ? toKiosk(found) : undefined;
  }

  async listKiosks(): Promise<KioskStatus[]> {
    const found = await rows<KioskRow & { received_at: number | null; heartbeat: string | null }>(
      this.pool,
      `SELECT k.*, h.received_at, h.heartbeat FROM kiosks k
       LEFT JOIN kiosk_heartbeats h ON h.kiosk_id = k.id ORDER BY k.id`,
    );
    return found.map((r) => ({
      ...toKiosk(r),
      lastHeartbeat:
        r.heartbeat === null || r.received_at === null
          ? null
          : { ...(JSON.parse(r.heartbeat) as HeartbeatRequest), receivedAt: r.received_at },
    }));
  }

  async rememberKioskNonce(input: RememberKioskNonceInput): Promise<boolean> {
    // The primary key decides between instances racing with the same nonce; a nonce older than the
    // window is taken as new (the prune of the SQLite store would have forgotten it).
    const windowStart = input.now - input.windowMs;
    const fresh = await changes(
      this.pool,
      {
        name: 'remember-kiosk-nonce',
        text: `WITH pruned AS (
                 DELETE FROM kiosk_nonces WHERE (kiosk_id, nonce) IN (
                   ${prunable('kiosk_nonces', 'kiosk_id, nonce', 'seen_at < $4 AND NOT (kiosk_id = $1 AND nonce = $2)')}))
               INSERT INTO kiosk_nonces (kiosk_id, nonce, seen_at) VALUES ($1, $2, $3)
               ON CONFLICT (kiosk_id, nonce) DO UPDATE SET seen_at = EXCLUDED.seen_at
                 WHERE kiosk_nonces.seen_at < $4`,
      },
      [input.kioskId, input.nonce, input.now, windowStart],
    );
    return fresh === 1;
  }

  async saveHeartbeat(input: {
    kioskId: string;
    heartbeat: HeartbeatRequest;
    receivedAt: number;
  }): Promise<void> {
    await this.pool.query(
      {
        name: 'save-heartbeat',
        text: `INSERT INTO kiosk_heartbeats (kiosk_id, received_at, heartbeat) VALUES ($1, $2, $3)
               ON CONFLICT (kiosk_id) DO UPDATE SET received_at = EXCLUDED.received_at, heartbeat = EXCLUDED.heartbeat`,
      },
      [input.kioskId, input.receivedAt, JSON.stringify(input.heartbeat)],
    );
  }

  async appendKioskEvents(input: AppendKioskEventsInput): Promise<{ accepted: number; duplicates: number }> {
    return inTransaction(this.pool, async (tx) => {
      // Batches take their feed numbers one transaction at a time, so the feed's order is commit
      // order: a reader resuming after seq N can never miss an event numbered below N that
      // committed later.
      await tx.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_EVENT_FEED]);
      let accepted = 0;
      for (const event of input.events) {
        const data = event.data === undefined ? null : JSON.stringify(event.data);
        const stored = await changes(
          tx,
          `INSERT INTO kiosk_events (kiosk_id, event_id, type, at, received_at, data)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kiosk_id, event_id) DO NOTHING`,
          [input.kioskId, event.id, event.type, event.at, input.receivedAt, data],
        );
        accepted += stored;
        const fact = stored === 1 ? sessionFactOf(event) : undefined;
        if (fact) {
          await tx.query(
            `INSERT INTO session_rollup (bucket, outcome, cause, count) VALUES ($1, $2, $3, 1)
             ON CONFLICT (bucket, outcome, cause) DO UPDATE SET count = session_rollup.count + 1`,
            [minuteBucketOf(event.at, input.receivedAt), fact.outcome, fact.cause],
          );
        }
      }
      return { accepted, duplicates: input.events.length - accepted };
    });
  }

  // ── operators and audit ─────────────────────────────────────────────────────────────────────

  async createOperator(
    input: OperatorRecord & { tokenHash: string; actor: string },
  ): Promise<Outcome<OperatorRecord>> {
    return inTransaction(this.pool, async (tx) => {
      const created = await changes(
        tx,
        `INSERT INTO operators (id, name, role, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO NOTHING`,
        [input.id, input.name, input.role, input.tokenHash, input.createdAt],
      );
      if (created === 0) return refused('OPERATOR_EXISTS');
      await this.audit(
        tx,
        { actor: input.actor, kioskId: null, now: input.createdAt },
        null,
        'operator-create',
        null,
        null,
        'ok',
      );
      return ok({ id: input.id, name: input.name, role: input.role, createdAt: input.createdAt });
    });
  }

  async operatorByTokenHash(tokenHash: string): Promise<OperatorRecord | undefined> {
    const found = await row<{ id: string; name: string; role: 'admin' | 'viewer'; created_at: number }>(
      this.pool,
      'SELECT id, name, role, created_at FROM operators WHERE token_hash = $1',
      [tokenHash],
    );
    return found
      ? { id: found.id, name: found.name, role: found.role, createdAt: found.created_at }
      : undefined;
  }

  async auditEntries(query: {
    reservationId?: string;
    afterSeq?: number;
    limit: number;
  }): Promise<AuditEntry[]> {
    const found = await rows<AuditRow & { seq: number }>(
      this.pool,
      `SELECT * FROM audit WHERE seq > $1 AND ($2::text IS NULL OR reservation_id = $2) ORDER BY seq LIMIT $3`,
      [query.afterSeq ?? 0, query.reservationId ?? null, query.limit],
    );
    return found.map((r) => ({
      seq: r.seq,
      at: r.at,
      actor: r.actor,
      kioskId: r.kiosk_id,
      reservationId: r.reservation_id,
      action: r.action,
      fromStatus: r.from_status,
      toStatus: r.to_status,
      outcome: r.outcome,
    }));
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /** LISTEN/NOTIFY on this database: every instance on it hears the others. */
  openInstanceChannel(): InstanceChannel {
    return new PostgresInstanceChannel(this.pool);
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────

  /** Serialises every transaction on one card's reservations of one procedure (until commit). */
  private async lockCard(tx: Tx, cardRef: string, procedure: Procedure): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CARD, `${cardRef}\n${procedure}`]);
  }

  /** The card lock of a reservation known by id (card and procedure never change). */
  private async lockCardOf(tx: Tx, reservationId: string): Promise<void> {
    const found = await row<{ card_ref: string; procedure: Procedure }>(
      tx,
      'SELECT card_ref, procedure FROM reservations WHERE id = $1',
      [reservationId],
    );
    if (found) await this.lockCard(tx, found.card_ref, found.procedure);
  }

  /** The reservation of this id and token hash, locked with its card. */
  private async lockReservationByToken(
    tx: Tx,
    id: string,
    tokenHash: string,
  ): Promise<ReservationRow | undefined> {
    const found = await row<{ card_ref: string; procedure: Procedure }>(
      tx,
      'SELECT card_ref, procedure FROM reservations WHERE id = $1 AND token_hash = $2',
      [id, tokenHash],
    );
    if (!found) return undefined;
    await this.lockCard(tx, found.card_ref, found.procedure);
    return this.reservationRow(tx, id);
  }

  /** A claim, read again once its reservation's card is locked (a racing request may have ended it). */
  private async lockedClaim(tx: Tx, claimId: string): Promise<ClaimRow | undefined> {
    const sql = 'SELECT id, reservation_id, kiosk_id, outcome, request_digest FROM claims WHERE id = $1';
    const unlocked = await row<ClaimRow>(tx, sql, [claimId]);
    if (!unlocked) return undefined;
    await this.lockCardOf(tx, unlocked.reservation_id);
    return row<ClaimRow>(tx, sql, [claimId]);
  }

  private lookupRow(tx: Tx, id: string): Promise<LookupRow | undefined> {
    return row<LookupRow>(
      tx,
      'SELECT kiosk_id, reservation_id, expires_at, used_at FROM lookups WHERE id = $1',
      [id],
    );
  }

  private activeOfCard(tx: Tx, cardRef: string, procedure: Procedure): Promise<ReservationRow | undefined> {
    return row<ReservationRow>(
      tx,
      `SELECT ${RESERVATION_COLUMNS} FROM reservations WHERE card_ref = $1 AND procedure = $2 AND status = 'active'
       FOR UPDATE`,
      [cardRef, procedure],
    );
  }

  private async endClaim(tx: Tx, outcome: 'completed' | 'released' | 'lapsed', now: number, claimId: string) {
    await tx.query('UPDATE claims SET outcome = $1, ended_at = $2 WHERE id = $3 AND outcome IS NULL', [
      outcome,
      now,
      claimId,
    ]);
  }

  /** Records a refused kiosk operation in the audit trail and returns the refusal. */
  private async refuse(
    tx: Tx,
    who: Who,
    reservationId: string | null,
    action: string,
    code: ApiErrorCode,
  ): Promise<Outcome<never>> {
    await this.audit(tx, who, reservationId, action, null, null, code);
    return refused(code);
  }

  /** The reservation row, locked FOR UPDATE (a sweep skips it until we commit). */
  private async reservationRow(tx: Tx, id: string): Promise<ReservationRow> {
    const found = await row<ReservationRow>(
      tx,
      `SELECT ${RESERVATION_COLUMNS} FROM reservations WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!found) throw new Error(`reservation ${id} vanished inside a transaction`);
    return found;
  }

  /** Applies expiry when 24 h are up (an active reservation only). */
  private async settleExpiry(tx: Tx, r: ReservationRow, who: Who): Promise<ReservationRow> {
    if (r.status === 'active' && who.now >= r.expires_at) {
      return this.transition(tx, r, [{ type: 'EXPIRE', now: who.now }], who);
    }
    return r;
  }

  /** Lease lapse, then expiry, for a kiosk wanting the reservation (see the SQLite store). */
  private async settleForKiosk(tx: Tx, r: ReservationRow, who: Who): Promise<ReservationRow> {
    let current = r;
    if (
      current.status === 'claimed' &&
      current.lease_expires_at !== null &&
      who.now >= current.lease_expires_at
    ) {
      if (current.claim_id !== null) await this.endClaim(tx, 'lapsed', who.now, current.claim_id);
      current = await this.transition(
        tx,
        current,
        [{ type: 'LEASE_LAPSE', now: who.now }, ...(await this.backToActive(tx, current, who))],
        who,
      );
    }
    return this.settleExpiry(tx, current, who);
  }

  /** What follows at once when a claimed reservation goes back to active (see the SQLite store). */
  private async backToActive(tx: Tx, r: ReservationRow, who: Who): Promise<ReservationEvent[]> {
    if (who.now >= r.expires_at) return [{ type: 'EXPIRE', now: who.now }];
    const active = await this.activeOfCard(tx, r.card_ref, r.procedure);
    return active && active.id !== r.id ? [{ type: 'SUPERSEDE', now: who.now }] : [];
  }

  /**
   * Moves a reservation through `events` as the lifecycle machine allows, writes the row once —
   * only if it is still in the status it was read in — and one audit row per step.
   */
  private async transition(
    tx: Tx,
    r: ReservationRow,
    events: ReservationEvent[],
    who: Who,
    extra: { claimId?: string; completedAt?: number; outcome?: string } = {},
  ): Promise<ReservationRow> {
    let state = stateOf(r);
    for (const [i, event] of events.entries()) {
      const next = nextReservationState(state, event);
      if (!next) throw new Error(`lifecycle refuses ${event.type} in ${state.status} (reservation ${r.id})`);
      // The outcome (e.g. a release reason) belongs to the first step; follow-ups are plain 'ok'.
      const outcome = (i === 0 ? extra.outcome : undefined) ?? 'ok';
      await this.audit(tx, who, r.id, EVENT_ACTIONS[event.type], state.status, next.status, outcome);
      state = next;
    }
    const updated = await row<ReservationRow>(
      tx,
      `UPDATE reservations SET status = $1, claim_id = $2, lease_expires_at = $3, completed_at = $4, updated_at = $5
       WHERE id = $6 AND status = $7
       RETURNING ${RESERVATION_COLUMNS}`,
      [
        state.status,
        extra.claimId ?? r.claim_id,
        state.facts.leaseExpiresAt,
        extra.completedAt ?? r.completed_at,
        who.now,
        r.id,
        r.status,
      ],
    );
    // The row is locked and was read under the card's lock: a miss is a bug, never a lost race.
    if (!updated) throw new Error(`reservation ${r.id} changed under its lock`);
    return updated;
  }

  private async audit(
    db: Tx | pg.Pool,
    who: Who,
    reservationId: string | null,
    action: string,
    from: string | null,
    to: string | null,
    outcome: string,
  ): Promise<void> {
    await db.query(
      `INSERT INTO audit (at, actor, kiosk_id, reservation_id, action, from_status, to_status, outcome)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [who.now, who.actor, who.kioskId, reservationId, action, from, to, outcome],
    );
  }
}
