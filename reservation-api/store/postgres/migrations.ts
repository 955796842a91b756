/**
 * The PostgreSQL schema, numbered as the SQLite migrations (store/sqlite/migrations.ts) so a version
 * means the same tables on both engines. Each runs once, in its own transaction, and is recorded in
 * `schema_migrations`. Never edit a migration that has shipped; add the next one (to both engines).
 *
 * Differences from the SQLite text, all deliberate: epoch milliseconds are BIGINT; row order that
 * SQLite takes from the rowid is an identity column (`reservations.row_seq`, `kiosk_events.seq`,
 * `audit.seq`); ids and names that are sorted for display are COLLATE "C" (SQLite compares bytes);
 * triggers are PL/pgSQL functions; JSON kept as text is read with `::json ->>`.
 */
export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'reservations, kiosks, operators, audit',
    sql: `
      CREATE TABLE challenges (
        nonce       TEXT PRIMARY KEY,
        purpose     TEXT NOT NULL CHECK (purpose IN ('reserve', 'kiosk')),
        kiosk_id    TEXT,
        issued_at   BIGINT NOT NULL,
        expires_at  BIGINT NOT NULL,
        used_at     BIGINT
      );
      CREATE INDEX challenges_expiry ON challenges (expires_at);

      CREATE TABLE card_attempts (
        card_ref TEXT NOT NULL,
        at       BIGINT NOT NULL
      );
      CREATE INDEX card_attempts_by_card ON card_attempts (card_ref, at);

      CREATE TABLE kiosks (
        id             TEXT COLLATE "C" PRIMARY KEY,
        chain          TEXT NOT NULL,
        store_id       TEXT NOT NULL,
        procedures     TEXT NOT NULL,
        public_key     TEXT NOT NULL,
        registered_at  BIGINT NOT NULL,
        revoked_at     BIGINT
      );

      CREATE TABLE reservations (
        id                TEXT PRIMARY KEY,
        row_seq           BIGINT GENERATED ALWAYS AS IDENTITY,
        token_hash        TEXT NOT NULL UNIQUE,
        card_ref          TEXT NOT NULL,
        proof_key_ref     TEXT NOT NULL,
        token_serial      TEXT NOT NULL,
        procedure         TEXT NOT NULL CHECK (procedure IN ('signature-pin', 'auth-pin')),
        status            TEXT NOT NULL
                          CHECK (status IN ('active', 'claimed', 'completed', 'expired', 'cancelled', 'superseded')),
        created_at        BIGINT NOT NULL,
        expires_at        BIGINT NOT NULL,
        claim_id          TEXT,
        lease_expires_at  BIGINT,
        completed_at      BIGINT,
        updated_at        BIGINT NOT NULL
      );
      CREATE INDEX reservations_by_card ON reservations (card_ref, procedure, created_at);
      CREATE INDEX reservations_active_expiry ON reservations (expires_at) WHERE status = 'active';
      -- At most one active reservation per card and procedure: supersede keeps it so, the index proves it.
      CREATE UNIQUE INDEX reservations_one_active ON reservations (card_ref, procedure) WHERE status = 'active';

      CREATE TABLE lookups (
        id              TEXT PRIMARY KEY,
        kiosk_id        TEXT NOT NULL REFERENCES kiosks (id),
        reservation_id  TEXT NOT NULL REFERENCES reservations (id),
        created_at      BIGINT NOT NULL,
        expires_at      BIGINT NOT NULL,
        used_at         BIGINT
      );

      CREATE TABLE claims (
        id                TEXT PRIMARY KEY,
        reservation_id    TEXT NOT NULL REFERENCES reservations (id),
        kiosk_id          TEXT NOT NULL REFERENCES kiosks (id),
        lookup_id         TEXT NOT NULL UNIQUE REFERENCES lookups (id),
        claimed_at        BIGINT NOT NULL,
        lease_expires_at  BIGINT NOT NULL,
        ended_at          BIGINT,
        outcome           TEXT CHECK (outcome IN ('completed', 'released', 'lapsed'))
      );
      -- Exactly one completion per reservation, ever, whatever the races.
      CREATE UNIQUE INDEX claims_one_completion ON claims (reservation_id) WHERE outcome = 'completed';

      CREATE TABLE kiosk_nonces (
        kiosk_id  TEXT NOT NULL,
        nonce     TEXT NOT NULL,
        seen_at   BIGINT NOT NULL,
        PRIMARY KEY (kiosk_id, nonce)
      );
      CREATE INDEX kiosk_nonces_age ON kiosk_nonces (seen_at);

      CREATE TABLE kiosk_heartbeats (
        kiosk_id     TEXT PRIMARY KEY REFERENCES kiosks (id),
        received_at  BIGINT NOT NULL,
        heartbeat    TEXT NOT NULL
      );

      CREATE TABLE kiosk_events (
        seq          BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        kiosk_id     TEXT NOT NULL REFERENCES kiosks (id),
        event_id     TEXT NOT NULL,
        type         TEXT NOT NULL,
        at           BIGINT NOT NULL,
        received_at  BIGINT NOT NULL,
        data         TEXT,
        PRIMARY KEY (kiosk_id, event_id)
      );
      CREATE INDEX kiosk_events_by_time ON kiosk_events (at);

      CREATE TABLE operators (
        id          TEXT PRIMARY KEY,
        name        TEXT COLLATE "C" NOT NULL UNIQUE,
        role        TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
        token_hash  TEXT NOT NULL UNIQUE,
        created_at  BIGINT NOT NULL
      );

      -- Who did what to which reservation or kiosk, when, with what outcome. Never a PIN, token,
      -- nonce or certificate: only ids, statuses and codes.
      CREATE TABLE audit (
        seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at              BIGINT NOT NULL,
        actor           TEXT NOT NULL,
        kiosk_id        TEXT,
        reservation_id  TEXT,
        action          TEXT NOT NULL,
        from_status     TEXT,
        to_status       TEXT,
        outcome         TEXT NOT NULL
      );
      CREATE INDEX audit_by_reservation ON audit (reservation_id, seq);
      CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit is append-only'; END $$;
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_append_only();
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_append_only();
    `,
  },
  {
    version: 2,
    name: 'operator sessions, fleet alerts, session rollup',
    sql: `
      -- Dashboard logins: only the SHA-256 of the cookie value is kept.
      CREATE TABLE operator_sessions (
        session_hash  TEXT PRIMARY KEY,
        operator_id   TEXT NOT NULL REFERENCES operators (id),
        created_at    BIGINT NOT NULL,
        last_used_at  BIGINT NOT NULL,
        expires_at    BIGINT NOT NULL
      );
      CREATE INDEX operator_sessions_expiry ON operator_sessions (expires_at);

      -- Operator alerts: kiosk id null for fleet-wide ones; detail is short facts, never personal data.
      CREATE TABLE fleet_alerts (
        id               TEXT COLLATE "C" PRIMARY KEY,
        kind             TEXT NOT NULL,
        severity         TEXT NOT NULL CHECK (severity IN ('critical', 'warning')),
        kiosk_id         TEXT,
        subject          TEXT NOT NULL,
        detail           TEXT NOT NULL,
        opened_at        BIGINT NOT NULL,
        updated_at       BIGINT NOT NULL,
        resolved_at      BIGINT,
        acknowledged_at  BIGINT,
        acknowledged_by  TEXT
      );
      -- One open alert per kind and subject (a kiosk id, or 'fleet').
      CREATE UNIQUE INDEX fleet_alerts_one_open ON fleet_alerts (kind, subject) WHERE resolved_at IS NULL;
      CREATE INDEX fleet_alerts_recent ON fleet_alerts (opened_at);

      -- Ended kiosk sessions per minute, outcome and failure cause, fleet-wide (charts, spike rules).
      CREATE TABLE session_rollup (
        bucket   BIGINT NOT NULL,
        outcome  TEXT NOT NULL,
        cause    TEXT NOT NULL,
        count    BIGINT NOT NULL,
        PRIMARY KEY (bucket, outcome, cause)
      );
      INSERT INTO session_rollup (bucket, outcome, cause, count)
        SELECT (at / 60000) * 60000, data::json ->> 'outcome',
               CASE WHEN data::json ->> 'outcome' = 'failed'
                    THEN coalesce(data::json ->> 'error', 'other') ELSE 'none' END,
               count(*)
        FROM kiosk_events
        WHERE type = 'session.ended' AND data::json ->> 'outcome' IN ('completed', 'cancelled', 'failed')
        GROUP BY 1, 2, 3;

      CREATE INDEX kiosk_events_by_kiosk_time ON kiosk_events (kiosk_id, at);
      CREATE INDEX reservations_by_status ON reservations (status, expires_at);
      CREATE INDEX reservations_by_creation ON reservations (created_at);
    `,
  },
  {
    version: 3,
    name: 'reservation counts by status',
    sql: `
      -- Kept by triggers so operator statistics read six rows instead of scanning every reservation.
      CREATE TABLE reservation_counts (status TEXT PRIMARY KEY, n BIGINT NOT NULL);
      INSERT INTO reservation_counts (status, n)
        VALUES ('active', 0), ('claimed', 0), ('completed', 0), ('expired', 0), ('cancelled', 0), ('superseded', 0);
      UPDATE reservation_counts
        SET n = (SELECT count(*) FROM reservations WHERE reservations.status = reservation_counts.status);
      CREATE FUNCTION reservation_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE reservation_counts SET n = n - 1 WHERE status = OLD.status;
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE reservation_counts SET n = n + 1 WHERE status = NEW.status;
          END IF;
          RETURN NULL;
        END $$;
      CREATE TRIGGER reservation_counts_insert AFTER INSERT ON reservations
        FOR EACH ROW EXECUTE FUNCTION reservation_counts_follow();
      CREATE TRIGGER reservation_counts_update AFTER UPDATE OF status ON reservations
        FOR EACH ROW WHEN (OLD.status <> NEW.status) EXECUTE FUNCTION reservation_counts_follow();
      CREATE TRIGGER reservation_counts_delete AFTER DELETE ON reservations
        FOR EACH ROW EXECUTE FUNCTION reservation_counts_follow();
    `,
  },
  {
    version: 4,
    name: 'claim request digest (a kiosk retrying its own claim gets it again)',
    sql: `
      -- SHA-256 (hex) of the claim's PIN file and card challenge: a retried claim must match it to be
      -- answered again. Never the challenge or the cryptogram themselves. NULL for older claims.
      ALTER TABLE claims ADD COLUMN request_digest TEXT;
    `,
  },
  {
    version: 5,
    name: 'alert details for translation',
    sql: `
      ALTER TABLE fleet_alerts ADD COLUMN detail_key TEXT NOT NULL DEFAULT '';
      ALTER TABLE fleet_alerts ADD COLUMN detail_params TEXT NOT NULL DEFAULT '{}';
    `,
  },
  {
    version: 6,
    name: 'kiosk events by receipt (retention)',
    sql: `
      -- Retention deletes kiosk events by when the API received them (a kiosk's own clock may lie).
      CREATE INDEX kiosk_events_by_receipt ON kiosk_events (received_at);
    `,
  },
  {
    version: 7,
    name: 'indexes found missing by EXPLAIN QUERY PLAN',
    sql: `
      CREATE INDEX card_attempts_by_age ON card_attempts (at);
      -- Deleting or checking a parent row looks its children up by these columns.
      CREATE INDEX lookups_by_reservation ON lookups (reservation_id);
      CREATE INDEX claims_by_reservation ON claims (reservation_id);
      CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator_id);
    `,
  },
  {
    version: 8,
    name: 'audit by outcome (possible-attack alerts)',
    sql: `
      -- The fleet monitor counts refusals of one code in a time window (CARD_MISMATCH: a request
      -- named another card than the one it proved) on every tick.
      CREATE INDEX audit_by_outcome ON audit (outcome, at);
    `,
  },
  {
    version: 9,
    name: 'admissions (a session checked before closing may claim in the grace)',
    sql: `
      -- A kiosk's reservation check before any PIN admits the session: the API's own record, on its
      -- clock, that the session began in time. The latest per kiosk and reservation; pruned after 2 days.
      CREATE TABLE admissions (
        kiosk_id        TEXT NOT NULL REFERENCES kiosks (id),
        reservation_id  TEXT NOT NULL REFERENCES reservations (id),
        admitted_at     BIGINT NOT NULL,
        PRIMARY KEY (kiosk_id, reservation_id)
      );
      CREATE INDEX admissions_by_reservation ON admissions (reservation_id);
      CREATE INDEX admissions_by_age ON admissions (admitted_at);
    `,
  },
  {
    version: 10,
    name: 'rate-limit windows and the live-stream spill (several instances)',
    sql: `
      -- Request counters of the per-client rate limits, one row per (route, client) with its
      -- current fixed window: kept in the database so every API instance counts the same hits.
      CREATE TABLE rate_limit_windows (
        key          TEXT PRIMARY KEY,
        window_ends  BIGINT NOT NULL,
        hits         INTEGER NOT NULL
      );
      CREATE INDEX rate_limit_windows_by_end ON rate_limit_windows (window_ends);
      -- Live-stream messages too large for one NOTIFY payload (8000 bytes): the notification
      -- carries the row's id and every instance reads the body from here.
      CREATE TABLE ops_stream_spill (
        id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        body        TEXT NOT NULL,
        created_at  BIGINT NOT NULL
      );
      CREATE INDEX ops_stream_spill_by_age ON ops_stream_spill (created_at);
    `,
  },
  {
    version: 11,
    name: 'kiosk location and store name; fleet overview indexes',
    sql: `
      -- Where each kiosk is (JIS X 0401 prefecture code) and its store's name, for the national
      -- overview: counts by chain and prefecture, search by store. Null for kiosks registered before.
      ALTER TABLE kiosks ADD COLUMN prefecture TEXT COLLATE "C";
      ALTER TABLE kiosks ADD COLUMN store_name TEXT;
      -- The screen of the latest heartbeat as a column, so the overview groups by it in SQL (kept by
      -- the database: the heartbeat write stays one upsert of the same two values).
      ALTER TABLE kiosk_heartbeats ADD COLUMN state TEXT GENERATED ALWAYS AS ((heartbeat::jsonb) ->> 'state') STORED;
      -- Covers what the overview's GROUP BY reads of every kiosk (no table row fetched per kiosk).
      CREATE INDEX kiosks_overview ON kiosks (chain, prefecture, revoked_at, id);
      CREATE INDEX kiosks_by_prefecture ON kiosks (prefecture);
      -- "Does this kiosk have an open alert" for every kiosk of the overview.
      CREATE INDEX fleet_alerts_open_by_kiosk ON fleet_alerts (kiosk_id) WHERE resolved_at IS NULL;
    `,
  },
  {
    version: 12,
    name: 'kiosk remote actions; audit by kiosk and by time',
    sql: `
      -- What operators asked of a kiosk (docs/operators.md "Remote actions"): out of service with a
      -- reason, and a reader self-test with its result. One row per kiosk, written only by actions.
      CREATE TABLE kiosk_controls (
        kiosk_id                TEXT PRIMARY KEY REFERENCES kiosks (id),
        maintenance_reason      TEXT,
        maintenance_since       BIGINT,
        maintenance_by          TEXT,
        self_test_id            TEXT,
        self_test_requested_at  BIGINT,
        self_test_requested_by  TEXT,
        self_test_result        TEXT CHECK (self_test_result IN ('passed', 'failed')),
        self_test_detail        TEXT,
        self_test_reported_at   BIGINT
      );
      -- Audit search: one kiosk over a period, and every row of a period (the funnel, exports).
      CREATE INDEX audit_by_kiosk ON audit (kiosk_id, at);
      CREATE INDEX audit_by_time ON audit (at);
    `,
  },
  {
    version: 13,
    name: 'a leaner reservation insert',
    sql: `
      -- Every index is written by every reservation insert and status change (issue 13): this one
      -- answered nothing reservations_by_status (status, expires_at) does not (expiry sweeps read
      -- status = 'active' AND expires_at <= ?, in expiry order).
      DROP INDEX reservations_active_expiry;
      -- Most audit rows are successes ('ok'), and a phone's have no kiosk: these two indexes only
      -- hold the rows their queries look for (refusals by code; one kiosk's rows), so the hot
      -- path's 'ok' rows and phone rows are not written to them.
      DROP INDEX audit_by_outcome;
      CREATE INDEX audit_refusals ON audit (outcome, at) WHERE outcome <> 'ok';
      DROP INDEX audit_by_kiosk;
      CREATE INDEX audit_by_kiosk ON audit (kiosk_id, at) WHERE kiosk_id IS NOT NULL;
    `,
  },
];
