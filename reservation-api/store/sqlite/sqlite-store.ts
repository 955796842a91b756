import type Database from 'better-sqlite3';
import {
  nextReservationState,
  type ReservationEvent,
} from '../../../state-machines/reservation/reservation-lifecycle';
import type { ApiErrorCode, AuditEntry, HeartbeatRequest } from '../../contract';
import type {
  ChallengePurpose,
  ClaimResult,
  KioskRecord,
  KioskStatus,
  LookupResult,
  NewReservation,
  OperatorRecord,
  Outcome,
  ReservationRecord,
  ReservationStore,
  ConsumeChallengeInput,
  ReadReservationInput,
  CancelReservationInput,
  LookupReservationInput,
  CheckReservationInput,
  ClaimReservationInput,
  CompleteClaimInput,
  ReleaseClaimInput,
  AuditRefusalInput,
  RememberKioskNonceInput,
  AppendKioskEventsInput,
  CreatedReservation,
  SpendChallengeInput,
} from '../reservation-store';
import { minuteBucketOf, sessionFactOf } from '../../fleet/session-facts';
import type { FleetOverviewStore } from '../fleet-overview-store';
import type { OpsStore } from '../ops-store';
import type { RateLimitStore } from '../rate-limit-store';
import { type InstanceChannel, SINGLE_INSTANCE_CHANNEL } from '../instance-channel';
import {
  ADMISSIONS_KEPT_MS,
  type AuditRow,
  challengeRefusalOf,
  type ChallengeRow,
  toAuditEntry,
  type ClaimRow,
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
import { GroupCommit, type StoreDurabilityError } from './group-commit';
import { openDatabase } from './open-database';
import { PendingKioskNonces } from './pending-kiosk-nonces';
import { SqliteFleetOverview } from './sqlite-fleet-overview';
import { SqliteOpsStore } from './sqlite-ops-store';
import { InProcessRateLimitStore } from '../in-process-rate-limit-store';
import { SqliteControlStore } from './sqlite-control-store';
import type { KioskControlStore } from '../kiosk-control-store';
import { transactionWriter } from './transaction-writer';
import { WalFileSync } from './wal-file-sync';

/**
 * The reservation store on SQLite (better-sqlite3). Every operation is one synchronous
 * `db.transaction(fn).immediate()` — IMMEDIATE takes the write lock up front, so two connections
 * (or processes) racing for the same reservation serialise instead of failing mid-way — with
 * statements prepared once. Status changes go through the lifecycle machine; each one writes an
 * audit row in the same transaction. An operation that wrote resolves once its commit is on disk
 * (group commit, see GroupCommit).
 */

export class SqliteReservationStore implements ReservationStore {
  private readonly statements;
  private readonly bookkeepingStatements;
  readonly ops: OpsStore;
  readonly rateLimits: RateLimitStore;
  readonly fleetOverview: FleetOverviewStore;
  readonly controls: KioskControlStore;

  /** Opens (and migrates) the database file on one connection, with group commit on its WAL. */
  static open(
    file: string,
    options: { onDurabilityFailure?: (error: StoreDurabilityError) => void } = {},
  ): SqliteReservationStore {
    const db = openDatabase(file);
    // An in-memory database (tests, tools) has no log on disk to sync.
    if (db.memory) return new SqliteReservationStore(db, new GroupCommit(async () => {}));
    const wal = new WalFileSync(db.name);
    const commits = new GroupCommit(wal.sync, options.onDurabilityFailure);
    return new SqliteReservationStore(db, commits, () => wal.close());
  }

  /**
   * One connection, so one page cache (two connections to the same file invalidated each other's
   * cache on every switch: ~26 page reads per request). It commits with synchronous=NORMAL and
   * durability comes from `commits`: durable writes — reservations, lookups, claims, kiosks,
   * operators, events, audit — resolve only once a sync of the WAL covers them, so they survive a
   * power cut once acknowledged. Short-lived anti-abuse records — challenges, kiosk request nonces,
   * per-card attempts, latest heartbeats — are `bookkeeping`: they do not wait for a sync (their
   * last few commits may be lost on power failure without harm; the next sync covers them anyway).
   */
  constructor(
    private readonly db: Database.Database,
    private readonly commits: GroupCommit,
    private readonly closeLog: () => Promise<void> = async () => {},
  ) {
    const prepare = <P extends unknown[] | object = unknown[], R = unknown>(sql: string) =>
      db.prepare<P, R>(sql);
    this.bookkeepingStatements = {
      insertChallenge: prepare<[string, string, string | null, number, number]>(
        'INSERT INTO challenges (nonce, purpose, kiosk_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      ),
      pruneChallenges: prepare<[number]>('DELETE FROM challenges WHERE expires_at < ?'),
      challenge: prepare<[string], ChallengeRow>(
        'SELECT purpose, kiosk_id, expires_at, used_at FROM challenges WHERE nonce = ?',
      ),
      useChallenge: prepare<[number, string]>(
        'UPDATE challenges SET used_at = ? WHERE nonce = ? AND used_at IS NULL',
      ),
      insertCardAttempt: prepare<[string, number]>('INSERT INTO card_attempts (card_ref, at) VALUES (?, ?)'),
      pruneCardAttempts: prepare<[number]>('DELETE FROM card_attempts WHERE at <= ?'),
      countCardAttempts: prepare<[string, number], { n: number }>(
        'SELECT count(*) AS n FROM card_attempts WHERE card_ref = ? AND at > ?',
      ),
      upsertHeartbeat: prepare<[string, number, string]>(
        `INSERT INTO kiosk_heartbeats (kiosk_id, received_at, heartbeat) VALUES (?, ?, ?)
         ON CONFLICT (kiosk_id) DO UPDATE SET received_at = excluded.received_at, heartbeat = excluded.heartbeat`,
      ),
    };
    this.ops = new SqliteOpsStore(db, commits);
    // One API process per SQLite database (instance lock): its memory sees every hit.
    this.rateLimits = new InProcessRateLimitStore();
    this.fleetOverview = new SqliteFleetOverview(db);
    this.controls = new SqliteControlStore(db, commits);
    this.kioskNonces = new PendingKioskNonces(db, (write) => {
      if (db.open) this.bookkeeping(write);
    });
    // Every transaction of this store first writes the kiosk nonces seen since the last one.
    this.write = transactionWriter(db, commits, () => this.kioskNonces.writePending());
    this.statements = {
      addToSessionRollup: prepare<[number, string, string]>(
        `INSERT INTO session_rollup (bucket, outcome, cause, count) VALUES (?, ?, ?, 1)
         ON CONFLICT (bucket, outcome, cause) DO UPDATE SET count = count + 1`,
      ),
      insertReservation: prepare<NewReservation>(
        `INSERT INTO reservations (id, token_hash, card_ref, proof_key_ref, token_serial, procedure, status,
                                   created_at, expires_at, updated_at)
         VALUES (@id, @tokenHash, @cardRef, @proofKeyRef, @tokenSerial, @procedure, 'active',
                 @createdAt, @expiresAt, @createdAt)`,
      ),
      reservationById: prepare<[string], ReservationRow>('SELECT * FROM reservations WHERE id = ?'),
      reservationByToken: prepare<[string, string], ReservationRow>(
        'SELECT * FROM reservations WHERE id = ? AND token_hash = ?',
      ),
      activeOfCard: prepare<[string, string], ReservationRow>(
        "SELECT * FROM reservations WHERE card_ref = ? AND procedure = ? AND status = 'active'",
      ),
      latestOfCard: prepare<[string, string], ReservationRow>(
        `SELECT * FROM reservations WHERE card_ref = ? AND procedure = ?
         ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      ),
      dueReservations: prepare<[number, number], ReservationRow>(
        "SELECT * FROM reservations WHERE status = 'active' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
      ),
      updateReservation: prepare<{
        id: string;
        status: string;
        claimId: string | null;
        leaseExpiresAt: number | null;
        completedAt: number | null;
        now: number;
      }>(
        `UPDATE reservations SET status = @status, claim_id = @claimId, lease_expires_at = @leaseExpiresAt,
                completed_at = @completedAt, updated_at = @now
         WHERE id = @id`,
      ),
      liveOfCard: prepare<[string, string, string, number], { id: string }>(
        `SELECT id FROM reservations WHERE card_ref = ? AND procedure = ? AND token_serial = ?
           AND status IN ('active', 'claimed') AND expires_at > ? LIMIT 1`,
      ),
      upsertAdmission: prepare<[string, string, number]>(
        `INSERT INTO admissions (kiosk_id, reservation_id, admitted_at) VALUES (?, ?, ?)
         ON CONFLICT (kiosk_id, reservation_id) DO UPDATE SET admitted_at = excluded.admitted_at`,
      ),
      pruneAdmissions: prepare<[number]>('DELETE FROM admissions WHERE admitted_at < ?'),
      admissionOfLookup: prepare<[string, string], { admitted_at: number }>(
        `SELECT a.admitted_at FROM lookups l
         JOIN admissions a ON a.kiosk_id = l.kiosk_id AND a.reservation_id = l.reservation_id
         WHERE l.id = ? AND l.kiosk_id = ?`,
      ),
      insertLookup: prepare<[string, string, string, number, number]>(
        'INSERT INTO lookups (id, kiosk_id, reservation_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      ),
      lookup: prepare<[string], LookupRow>(
        'SELECT kiosk_id, reservation_id, expires_at, used_at FROM lookups WHERE id = ?',
      ),
      useLookup: prepare<[number, string]>('UPDATE lookups SET used_at = ? WHERE id = ?'),
      insertClaim: prepare<[string, string, string, string, number, number, string]>(
        `INSERT INTO claims (id, reservation_id, kiosk_id, lookup_id, claimed_at, lease_expires_at, request_digest)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      claim: prepare<[string], ClaimRow>(
        'SELECT id, reservation_id, kiosk_id, outcome FROM claims WHERE id = ?',
      ),
      claimOfLookup: prepare<[string], ClaimRow & { request_digest: string | null }>(
        'SELECT id, reservation_id, kiosk_id, outcome, request_digest FROM claims WHERE lookup_id = ?',
      ),
      endClaim: prepare<[string, number, string]>(
        'UPDATE claims SET outcome = ?, ended_at = ? WHERE id = ? AND outcome IS NULL',
      ),
      insertAudit: prepare<AuditRow>(
        `INSERT INTO audit (at, actor, kiosk_id, reservation_id, action, from_status, to_status, outcome)
         VALUES (@at, @actor, @kiosk_id, @reservation_id, @action, @from_status, @to_status, @outcome)`,
      ),
      insertKiosk: prepare<KioskRow>(
        `INSERT INTO kiosks (id, chain, store_id, prefecture, store_name, procedures, public_key, registered_at, revoked_at)
         VALUES (@id, @chain, @store_id, @prefecture, @store_name, @procedures, @public_key, @registered_at, @revoked_at)`,
      ),
      kiosk: prepare<[string], KioskRow>('SELECT * FROM kiosks WHERE id = ?'),
      revokeKiosk: prepare<[number, string]>(
        'UPDATE kiosks SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
      ),
      kioskStatuses: prepare<[], KioskRow & { received_at: number | null; heartbeat: string | null }>(
        `SELECT k.*, h.received_at, h.heartbeat FROM kiosks k
         LEFT JOIN kiosk_heartbeats h ON h.kiosk_id = k.id ORDER BY k.id`,
      ),
      insertEvent: prepare<[string, string, string, number, number, string | null]>(
        `INSERT OR IGNORE INTO kiosk_events (kiosk_id, event_id, type, at, received_at, data)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      operatorByName: prepare<[string], { id: string }>('SELECT id FROM operators WHERE name = ?'),
      insertOperator: prepare<[string, string, string, string, number]>(
        'INSERT INTO operators (id, name, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      operatorByToken: prepare<
        [string],
        { id: string; name: string; role: 'admin' | 'viewer'; created_at: number }
      >('SELECT id, name, role, created_at FROM operators WHERE token_hash = ?'),
      audit: prepare<
        { reservationId: string | null; afterSeq: number; limit: number },
        AuditRow & { seq: number }
      >(
        `SELECT * FROM audit WHERE seq > @afterSeq AND (@reservationId IS NULL OR reservation_id = @reservationId)
         ORDER BY seq LIMIT @limit`,
      ),
      ping: prepare<[], { ok: number }>('SELECT 1 AS ok'),
    };
  }

  /** The underlying connection (tests, ops CLI). */
  get database(): Database.Database {
    return this.db;
  }

  // ── challenges and rate limits ──────────────────────────────────────────────────────────────

  async issueChallenge(c: {
    nonce: string;
    purpose: ChallengePurpose;
    kioskId: string | null;
    issuedAt: number;
    expiresAt: number;
  }): Promise<void> {
    this.bookkeeping(() => {
      // Challenges long past their expiry can only ever be refused; forget them.
      this.bookkeepingStatements.pruneChallenges.run(c.issuedAt - 60 * 60 * 1000);
      this.bookkeepingStatements.insertChallenge.run(c.nonce, c.purpose, c.kioskId, c.issuedAt, c.expiresAt);
    });
  }

  async consumeChallenge(input: ConsumeChallengeInput): Promise<Outcome<void>> {
    return this.bookkeeping(() => this.useChallenge(input));
  }

  async recordCardAttempt(input: { cardRef: string; now: number; windowMs: number }): Promise<number> {
    return this.bookkeeping(() => this.countCardAttempt(input));
  }

  async consumeChallengeForCard(
    input: ConsumeChallengeInput & { cardRef: string; windowMs: number },
  ): Promise<Outcome<number>> {
    // One transaction, one commit: the create's two bookkeeping writes were two (~13 page writes
    // and 6 lock calls each on this connection).
    return this.bookkeeping((): Outcome<number> => {
      const used = this.useChallenge(input);
      return used.ok ? ok(this.countCardAttempt(input)) : used;
    });
  }

  async peekChallenge(input: ConsumeChallengeInput): Promise<Outcome<void>> {
    return this.challengeRefusal(input) ?? ok(undefined);
  }

  async peekChallengeForCard(
    input: ConsumeChallengeInput & { cardRef: string; windowMs: number },
  ): Promise<Outcome<number>> {
    const usable = this.challengeRefusal(input);
    if (usable) return usable;
    const attempts = this.bookkeepingStatements.countCardAttempts.get(
      input.cardRef,
      input.now - input.windowMs,
    );
    return ok((attempts?.n ?? 0) + 1);
  }

  async spendChallengeAndCreate(input: SpendChallengeInput): Promise<Outcome<CreatedReservation | null>> {
    const work = (): Outcome<CreatedReservation | null> => {
      const used = this.useChallenge(input.challenge);
      if (!used.ok) return used;
      if (this.countCardAttempt(input.challenge) > input.maxAttempts) return refused('RATE_LIMITED');
      return ok(input.reservation ? this.insertReservation(input.reservation) : null);
    };
    // With a reservation: one durable commit for all of it. Without: bookkeeping only, not waited for.
    return input.reservation ? this.write(work) : this.bookkeeping(work);
  }

  /** The refusal of a challenge that cannot be used now, else undefined. */
  private challengeRefusal(input: ConsumeChallengeInput): Outcome<never> | undefined {
    return challengeRefusalOf(this.bookkeepingStatements.challenge.get(input.nonce), input);
  }

  private useChallenge(input: ConsumeChallengeInput): Outcome<void> {
    const refusal = this.challengeRefusal(input);
    if (refusal) return refusal;
    this.bookkeepingStatements.useChallenge.run(input.now, input.nonce);
    return ok(undefined);
  }

  private countCardAttempt(input: { cardRef: string; now: number; windowMs: number }): number {
    const since = input.now - input.windowMs;
    this.bookkeepingStatements.pruneCardAttempts.run(since);
    this.bookkeepingStatements.insertCardAttempt.run(input.cardRef, input.now);
    return this.bookkeepingStatements.countCardAttempts.get(input.cardRef, since)?.n ?? 0;
  }

  // ── phone: create, read, cancel ─────────────────────────────────────────────────────────────

  async createReservation(input: NewReservation): Promise<CreatedReservation> {
    return this.write(() => this.insertReservation(input));
  }

  /** Inside a transaction: inserts the reservation, superseding the card's active one, audited. */
  private insertReservation(input: NewReservation): CreatedReservation {
    const who: Who = { actor: 'phone', kioskId: null, now: input.createdAt };
    const superseded: string[] = [];
    const previous = this.statements.activeOfCard.get(input.cardRef, input.procedure);
    if (previous) {
      const due = this.settleExpiry(previous, who);
      if (due.status === 'active') {
        this.transition(due, [{ type: 'SUPERSEDE', now: input.createdAt }], who);
        superseded.push(previous.id);
      }
    }
    this.statements.insertReservation.run(input);
    this.audit(who, input.id, 'create', null, 'active', 'ok');
    return { reservation: toReservation(this.reservationRow(input.id)), superseded };
  }

  async readReservation(input: ReadReservationInput): Promise<Outcome<ReservationRecord>> {
    return this.inTransaction(() => {
      const row = this.statements.reservationByToken.get(input.reservationId, input.tokenHash);
      if (!row) return refused('RESERVATION_NOT_FOUND');
      return ok(toReservation(this.settleExpiry(row, { actor: 'system', kioskId: null, now: input.now })));
    });
  }

  async cancelReservation(input: CancelReservationInput): Promise<Outcome<ReservationRecord>> {
    return this.inTransaction(() => {
      const found = this.statements.reservationByToken.get(input.reservationId, input.tokenHash);
      if (!found) return refused('RESERVATION_NOT_FOUND');
      const who: Who = { actor: 'phone', kioskId: null, now: input.now };
      const row = this.settleExpiry(found, who);
      if (row.status === 'cancelled') return ok(toReservation(row));
      if (row.status !== 'active') return refused(UNUSABLE[row.status]);
      return ok(toReservation(this.transition(row, [{ type: 'CANCEL', now: input.now }], who)));
    });
  }

  // ── kiosk: lookup, claim, complete, release ─────────────────────────────────────────────────

  async lookupReservation(input: LookupReservationInput): Promise<Outcome<LookupResult>> {
    const who: Who = { actor: `kiosk:${input.kioskId}`, kioskId: input.kioskId, now: input.now };
    return this.inTransaction((): Outcome<LookupResult> => {
      const used = input.challenge ? this.useChallenge(input.challenge) : ok(undefined);
      if (!used.ok) return used;
      const latest = this.statements.latestOfCard.get(input.cardRef, input.procedure);
      // A reservation proven by another key or for another token serial was made with another card.
      if (
        !latest ||
        latest.proof_key_ref !== input.proofKeyRef ||
        latest.token_serial !== input.tokenSerial
      ) {
        return this.refuse(who, null, 'lookup', 'RESERVATION_NOT_FOUND');
      }
      const row = this.settleForKiosk(latest, who);
      if (row.status !== 'active') return this.refuse(who, row.id, 'lookup', UNUSABLE[row.status]);
      const lookupExpiresAt = input.now + input.lookupTtlMs;
      this.statements.insertLookup.run(input.lookupId, input.kioskId, row.id, input.now, lookupExpiresAt);
      this.audit(who, row.id, 'lookup', row.status, row.status, 'ok');
      return ok({ lookupId: input.lookupId, lookupExpiresAt, reservation: toReservation(row) });
    });
  }

  async checkReservation(input: CheckReservationInput): Promise<Outcome<{ reservationId: string }>> {
    const who: Who = { actor: `kiosk:${input.kioskId}`, kioskId: input.kioskId, now: input.now };
    return this.inTransaction(() => {
      const latest = this.statements.latestOfCard.get(input.cardRef, input.procedure);
      const row = latest && isOfTheCard(latest, input) ? this.settleForKiosk(latest, who) : undefined;
      if (row?.status === 'active') {
        this.statements.pruneAdmissions.run(input.now - ADMISSIONS_KEPT_MS);
        this.statements.upsertAdmission.run(input.kioskId, row.id, input.now);
        this.audit(who, row.id, 'reservation-check', row.status, row.status, 'ok');
        return ok({ reservationId: row.id });
      }
      const other = otherProcedureOf(input.procedure);
      if (this.statements.liveOfCard.get(input.cardRef, other, input.tokenSerial, input.now)) {
        return this.refuse(who, null, 'reservation-check', 'RESERVATION_FOR_OTHER_PROCEDURE');
      }
      const code = row
        ? UNUSABLE[row.status as Exclude<typeof row.status, 'active'>]
        : 'RESERVATION_NOT_FOUND';
      return this.refuse(who, row?.id ?? null, 'reservation-check', code);
    });
  }

  async admissionOfLookup(input: { kioskId: string; lookupId: string }): Promise<number | null> {
    const row = this.statements.admissionOfLookup.get(input.lookupId, input.kioskId);
    return this.reported(row?.admitted_at ?? null);
  }

  async claimReservation(input: ClaimReservationInput): Promise<Outcome<ClaimResult>> {
    const who: Who = { actor: `kiosk:${input.kioskId}`, kioskId: input.kioskId, now: input.now };
    return this.inTransaction(() => {
      const lookup = this.statements.lookup.get(input.lookupId);
      if (!lookup || lookup.kiosk_id !== input.kioskId) {
        return this.refuse(who, null, 'claim', 'LOOKUP_INVALID');
      }
      if (lookup.used_at !== null) {
        const held = this.heldClaimToReplay(input);
        return held ?? this.refuse(who, null, 'claim', 'LOOKUP_INVALID');
      }
      const found = this.reservationRow(lookup.reservation_id);
      if (input.now >= lookup.expires_at) return this.refuse(who, found.id, 'claim', 'LOOKUP_EXPIRED');
      if (found.procedure !== input.procedure)
        return this.refuse(who, found.id, 'claim', 'PIN_FILE_MISMATCH');
      const row = this.settleForKiosk(found, who);
      if (row.status !== 'active') return this.refuse(who, row.id, 'claim', UNUSABLE[row.status]);
      const leaseExpiresAt = input.now + input.leaseMs;
      this.statements.insertClaim.run(
        input.claimId,
        row.id,
        input.kioskId,
        input.lookupId,
        input.now,
        leaseExpiresAt,
        input.requestDigest,
      );
      this.statements.useLookup.run(input.now, input.lookupId);
      const claimed = this.transition(row, [{ type: 'CLAIM', now: input.now, leaseExpiresAt }], who, {
        claimId: input.claimId,
      });
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
   * (its answer was lost) and the claim is still held: lease running, no outcome, the reservation
   * still claimed under it. Audited as `claim-replay` — not a transition, so the trail keeps exactly
   * one `claim`. Undefined otherwise (the caller refuses).
   */
  private heldClaimToReplay(input: ClaimReservationInput): Outcome<ClaimResult> | undefined {
    const claim = this.statements.claimOfLookup.get(input.lookupId);
    if (!claim || claim.kiosk_id !== input.kioskId || claim.outcome !== null) return undefined;
    // Claims made before the digest was kept (NULL) are never replayed.
    if (claim.request_digest === null || claim.request_digest !== input.requestDigest) return undefined;
    const row = this.reservationRow(claim.reservation_id);
    if (
      row.status !== 'claimed' ||
      row.claim_id !== claim.id ||
      row.procedure !== input.procedure ||
      row.lease_expires_at === null ||
      input.now >= row.lease_expires_at
    ) {
      return undefined;
    }
    const who: Who = { actor: `kiosk:${input.kioskId}`, kioskId: input.kioskId, now: input.now };
    this.audit(who, row.id, 'claim-replay', null, null, 'ok');
    return ok({
      claimId: claim.id,
      leaseExpiresAt: row.lease_expires_at,
      reservation: toReservation(row),
      replayed: true,
    });
  }

  async completeClaim(
    input: CompleteClaimInput,
  ): Promise<Outcome<{ reservationId: string; completedAt: number }>> {
    const who: Who = { actor: `kiosk:${input.kioskId}`, kioskId: input.kioskId, now: input.now };
    return this.inTransaction(() => {
      const claim = this.statements.claim.get(input.claimId);
      if (!claim || claim.kiosk_id !== input.kioskId)
        return this.refuse(who, null, 'complete', 'LEASE_INVALID');
      const row = this.reservationRow(claim.reservation_id);
      if (claim.outcome === 'completed') {
        // The same claim completing again (a retried request) answers what the first one did.
        return ok({ reservationId: row.id, completedAt: row.completed_at ?? input.now });
      }
      if (claim.outcome !== null || row.status !== 'claimed' || row.claim_id !== claim.id) {
        return this.refuse(who, row.id, 'complete', 'LEASE_INVALID');
      }
      this.statements.endClaim.run('completed', input.now, claim.id);
      const done = this.transition(row, [{ type: 'COMPLETE' }], who, { completedAt: input.now });
      return ok({ reservationId: done.id, completedAt: done.completed_at ?? input.now });
    });
  }

  async releaseClaim(
    input: ReleaseClaimInput,
  ): Promise<Outcome<{ reservationId: string; status: 'active' | 'expired' | 'superseded' }>> {
    const who: Who = { actor: `kiosk:${input.kioskId}`, kioskId: input.kioskId, now: input.now };
    return this.inTransaction(() => {
      const claim = this.statements.claim.get(input.claimId);
      if (!claim || claim.kiosk_id !== input.kioskId)
        return this.refuse(who, null, 'release', 'LEASE_INVALID');
      const row = this.reservationRow(claim.reservation_id);
      if (
        claim.outcome === 'released' &&
        (row.status === 'active' || row.status === 'expired' || row.status === 'superseded')
      ) {
        return ok({ reservationId: row.id, status: row.status });
      }
      if (claim.outcome !== null || row.status !== 'claimed' || row.claim_id !== claim.id) {
        return this.refuse(who, row.id, 'release', 'LEASE_INVALID');
      }
      this.statements.endClaim.run('released', input.now, claim.id);
      const released = this.transition(row, [{ type: 'RELEASE' }, ...this.backToActive(row, who)], who, {
        outcome: input.reason,
      });
      return ok({
        reservationId: released.id,
        status:
          released.status === 'expired' || released.status === 'superseded' ? released.status : 'active',
      });
    });
  }

  async expireDue(now: number): Promise<number> {
    return this.write(() => {
      const who: Who = { actor: 'system', kioskId: null, now };
      const due = this.statements.dueReservations.all(now, 1000);
      for (const row of due) this.transition(row, [{ type: 'EXPIRE', now }], who);
      return due.length;
    });
  }

  async auditRefusal(input: AuditRefusalInput): Promise<void> {
    const who: Who = { actor: input.actor, kioskId: input.kioskId, now: input.now };
    await this.write(() => this.audit(who, input.reservationId, input.action, null, null, input.code));
  }

  // ── kiosks ──────────────────────────────────────────────────────────────────────────────────

  async registerKiosk(kiosk: KioskRecord, actor: string): Promise<void> {
    await this.registerKiosks([kiosk], actor);
  }

  async registerKiosks(kiosks: readonly KioskRecord[], actor: string): Promise<void> {
    await this.write(() => {
      for (const kiosk of kiosks) this.insertKiosk(kiosk, actor);
    });
  }

  private insertKiosk(kiosk: KioskRecord, actor: string): void {
    this.statements.insertKiosk.run({
      id: kiosk.id,
      chain: kiosk.chain,
      store_id: kiosk.storeId,
      prefecture: kiosk.prefecture ?? null,
      store_name: kiosk.storeName ?? null,
      procedures: JSON.stringify(kiosk.procedures),
      public_key: kiosk.publicKey,
      registered_at: kiosk.registeredAt,
      revoked_at: kiosk.revokedAt,
    });
    this.audit(
      { actor, kioskId: kiosk.id, now: kiosk.registeredAt },
      null,
      'kiosk-register',
      null,
      null,
      'ok',
    );
  }

  async revokeKiosk(input: { kioskId: string; actor: string; now: number }): Promise<Outcome<KioskRecord>> {
    return this.inTransaction(() => {
      const row = this.statements.kiosk.get(input.kioskId);
      if (!row) return refused('KIOSK_NOT_FOUND');
      if (row.revoked_at === null) {
        this.statements.revokeKiosk.run(input.now, input.kioskId);
        this.audit(
          { actor: input.actor, kioskId: input.kioskId, now: input.now },
          null,
          'kiosk-revoke',
          null,
          null,
          'ok',
        );
      }
      return ok(toKiosk(this.statements.kiosk.get(input.kioskId) ?? row));
    });
  }

  /** An authentication lookup, never reported: it does not wait for a sync. */
  async getKiosk(kioskId: string): Promise<KioskRecord | undefined> {
    const row = this.statements.kiosk.get(kioskId);
    return row ? toKiosk(row) : undefined;
  }

  async listKiosks(): Promise<KioskStatus[]> {
    return this.reported(
      this.statements.kioskStatuses.all().map((row) => ({
        ...toKiosk(row),
        lastHeartbeat:
          row.heartbeat === null || row.received_at === null
            ? null
            : { ...(JSON.parse(row.heartbeat) as HeartbeatRequest), receivedAt: row.received_at },
      })),
    );
  }

  async rememberKioskNonce(input: RememberKioskNonceInput): Promise<boolean> {
    // Written with the request's own transaction (PendingKioskNonces says why that is safe).
    return this.kioskNonces.remember(input);
  }

  async saveHeartbeat(input: {
    kioskId: string;
    heartbeat: HeartbeatRequest;
    receivedAt: number;
  }): Promise<void> {
    this.bookkeeping(() =>
      this.bookkeepingStatements.upsertHeartbeat.run(
        input.kioskId,
        input.receivedAt,
        JSON.stringify(input.heartbeat),
      ),
    );
  }

  async appendKioskEvents(input: AppendKioskEventsInput): Promise<{ accepted: number; duplicates: number }> {
    return this.write(() => {
      let accepted = 0;
      for (const event of input.events) {
        const data = event.data === undefined ? null : JSON.stringify(event.data);
        const stored = this.statements.insertEvent.run(
          input.kioskId,
          event.id,
          event.type,
          event.at,
          input.receivedAt,
          data,
        ).changes;
        accepted += stored;
        const fact = stored === 1 ? sessionFactOf(event) : undefined;
        if (fact) {
          this.statements.addToSessionRollup.run(
            minuteBucketOf(event.at, input.receivedAt),
            fact.outcome,
            fact.cause,
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
    return this.inTransaction(() => {
      if (this.statements.operatorByName.get(input.name)) return refused('OPERATOR_EXISTS');
      this.statements.insertOperator.run(input.id, input.name, input.role, input.tokenHash, input.createdAt);
      this.audit(
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

  /** An authentication lookup, never reported: it does not wait for a sync. */
  async operatorByTokenHash(tokenHash: string): Promise<OperatorRecord | undefined> {
    const row = this.statements.operatorByToken.get(tokenHash);
    return row ? { id: row.id, name: row.name, role: row.role, createdAt: row.created_at } : undefined;
  }

  async auditEntries(query: {
    reservationId?: string;
    afterSeq?: number;
    limit: number;
  }): Promise<AuditEntry[]> {
    const rows = this.statements.audit.all({
      reservationId: query.reservationId ?? null,
      afterSeq: query.afterSeq ?? 0,
      limit: query.limit,
    });
    return this.reported(rows.map(toAuditEntry));
  }

  async ping(): Promise<void> {
    this.commits.throwIfFailed();
    this.statements.ping.get();
  }

  /** One instance per database file (server/instance-lock.ts): no other instance to tell. */
  openInstanceChannel(): InstanceChannel {
    return SINGLE_INSTANCE_CHANNEL;
  }

  async close(): Promise<void> {
    if (this.db.open) this.bookkeeping(() => {});
    await this.commits.drain();
    await this.closeLog();
    if (this.db.open) this.db.close();
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────

  /**
   * Runs `work` in one IMMEDIATE transaction and resolves once what it changed is on disk. Whatever
   * it wrote is committed, refusal or not: a refusal found after a due expiry or lease lapse keeps
   * that settlement and its audit rows.
   */
  private readonly write: <T>(work: () => T) => Promise<T>;
  private readonly kioskNonces: PendingKioskNonces;

  /** A refusable `write`. */
  private inTransaction<T>(work: () => Outcome<T>): Promise<Outcome<T>> {
    return this.write(work);
  }

  /** Runs bookkeeping `work` in one IMMEDIATE transaction without waiting for a sync. */
  private bookkeeping<T>(work: () => T): T {
    return this.db
      .transaction(() => {
        this.kioskNonces.writePending();
        return work();
      })
      .immediate();
  }

  /** A read whose answer is reported: waits until what it may have seen is on disk. */
  private reported<T>(value: T): Promise<T> {
    return this.commits.settled(value);
  }

  /** Records a refused kiosk operation in the audit trail and returns the refusal. */
  private refuse(who: Who, reservationId: string | null, action: string, code: ApiErrorCode): Outcome<never> {
    this.audit(who, reservationId, action, null, null, code);
    return refused(code);
  }

  private reservationRow(id: string): ReservationRow {
    const row = this.statements.reservationById.get(id);
    if (!row) throw new Error(`reservation ${id} vanished inside a transaction`);
    return row;
  }

  /** Applies expiry when 24 h are up (an active reservation only). */
  private settleExpiry(row: ReservationRow, who: Who): ReservationRow {
    if (row.status === 'active' && who.now >= row.expires_at) {
      return this.transition(row, [{ type: 'EXPIRE', now: who.now }], who);
    }
    return row;
  }

  /**
   * What a kiosk wanting the reservation may take over: a claim whose lease has lapsed goes back
   * to active (its late completion is then refused), then expiry applies. Lease lapse is applied
   * only here, never by sweeps, so a kiosk that lost its connection mid-reset can still complete
   * its claim as long as nobody else needed the reservation.
   */
  private settleForKiosk(row: ReservationRow, who: Who): ReservationRow {
    let current = row;
    if (
      current.status === 'claimed' &&
      current.lease_expires_at !== null &&
      who.now >= current.lease_expires_at
    ) {
      if (current.claim_id !== null) this.statements.endClaim.run('lapsed', who.now, current.claim_id);
      current = this.transition(
        current,
        [{ type: 'LEASE_LAPSE', now: who.now }, ...this.backToActive(current, who)],
        who,
      );
    }
    return this.settleExpiry(current, who);
  }

  /**
   * What follows at once when a claimed reservation goes back to active (release, lease lapse), in
   * the same write: expiry if its 24 hours are up; else `superseded` if the user made a newer
   * reservation for the card while it was claimed (a claimed one cannot be superseded, and only one
   * may be active per card and procedure).
   */
  private backToActive(row: ReservationRow, who: Who): ReservationEvent[] {
    if (who.now >= row.expires_at) return [{ type: 'EXPIRE', now: who.now }];
    const active = this.statements.activeOfCard.get(row.card_ref, row.procedure);
    return active && active.id !== row.id ? [{ type: 'SUPERSEDE', now: who.now }] : [];
  }

  /**
   * Moves a reservation through `events` as the lifecycle machine allows (throws if it does not:
   * callers check first, so that is a bug), writes the row once and one audit row per step.
   */
  private transition(
    row: ReservationRow,
    events: ReservationEvent[],
    who: Who,
    extra: { claimId?: string; completedAt?: number; outcome?: string } = {},
  ): ReservationRow {
    let state = stateOf(row);
    for (const [i, event] of events.entries()) {
      const next = nextReservationState(state, event);
      if (!next)
        throw new Error(`lifecycle refuses ${event.type} in ${state.status} (reservation ${row.id})`);
      // The outcome (e.g. a release reason) belongs to the first step; follow-ups are plain 'ok'.
      const outcome = (i === 0 ? extra.outcome : undefined) ?? 'ok';
      this.audit(who, row.id, EVENT_ACTIONS[event.type], state.status, next.status, outcome);
      state = next;
    }
    this.statements.updateReservation.run({
      id: row.id,
      status: state.status,
      claimId: extra.claimId ?? row.claim_id,
      leaseExpiresAt: state.facts.leaseExpiresAt,
      completedAt: extra.completedAt ?? row.completed_at,
      now: who.now,
    });
    return this.reservationRow(row.id);
  }

  private audit(
    who: Who,
    reservationId: string | null,
    action: string,
    from: string | null,
    to: string | null,
    outcome: string,
  ): void {
    this.statements.insertAudit.run({
      at: who.now,
      actor: who.actor,
      kiosk_id: who.kioskId,
      reservation_id: reservationId,
      action,
      from_status: from,
      to_status: to,
      outcome,
    });
  }
}
