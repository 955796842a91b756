import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainId, ClaimResponse } from '../../reservation-api/contract';
import { enrolKiosk } from '../../reservation-api/services/kiosk-registry';
import { type ApiHarness, startApiHarness, T0 } from '../api/support/api-harness';
import { type KioskFleet, startKioskFleet } from './support/kiosk-fleet';
import type { Outcome } from './support/kiosk-protocol';

/**
 * Kiosks in separate OS processes, each signing with its own registered key, race over a real
 * listening API (SQLite file): for the same reservations at once — exactly one claim wins and the
 * reservation completes exactly once, however often and by whomever completion is reported; a
 * released reservation is won again by exactly one other kiosk; different reservations all go
 * through side by side. Afterwards every outcome the kiosks saw is matched one-to-one against the
 * audit trail: no row lost, none duplicated, none without a request behind it.
 */

const KIOSKS: ChainId[] = ['seven-eleven', 'lawson', 'familymart', 'aeon'];
const PIN = '1234';

let api: ApiHarness;
let fleet: KioskFleet;
let cards: string[];
/** Every outcome the kiosks reported: [kioskId, action, outcome code or 'ok', claimId?]. */
const reported: { kioskId: string; action: string; outcome: string; claimId?: string }[] = [];
let auditSeqBefore = 0;

beforeAll(async () => {
  api = await startApiHarness();
  const kiosks = [];
  for (const [i, chain] of KIOSKS.entries()) {
    const { kioskId, privateKeyPem } = await enrolKiosk(api.store, {
      chain,
      storeId: `R${i}`,
      actor: 'operator:test',
      now: api.clock.now(),
    });
    kiosks.push({ kioskId, privateKeyPem });
  }
  auditSeqBefore = maxAuditSeq();
  // Issuing cards (RSA keys) and starting the kiosk processes overlap: both take seconds.
  [cards, fleet] = await Promise.all([
    Promise.all(KIOSKS.map(() => api.issueCard('sign-pin-blocked'))),
    startKioskFleet({ baseUrl: api.baseUrl, kiosks, now: api.clock.now() }),
  ]);
}, 120_000);
afterAll(async () => {
  await fleet?.close();
  await api?.close();
});

function maxAuditSeq(): number {
  return (
    api.store.database.prepare('SELECT coalesce(max(seq), 0) AS seq FROM audit').get() as { seq: number }
  ).seq;
}

/** Notes what a kiosk was told; `okOutcome` is what the audit writes for a success (default 'ok'). */
function record<T>(kioskId: string, action: string, result: Outcome<T>, claimId?: string, okOutcome = 'ok') {
  reported.push({
    kioskId,
    action,
    outcome: result.ok ? okOutcome : result.code,
    ...(claimId ? { claimId } : {}),
  });
}

/** Every kiosk looks up `paths` (each on its own copy of the card). */
async function everyoneLooksUp(paths: string[]) {
  const now = api.clock.now();
  const replies = await fleet.sendAll(
    fleet.kioskIds.map(() => ({
      type: 'lookup' as const,
      now,
      cards: paths.map((path) => ({ path, pin: PIN })),
    })),
  );
  replies.forEach((reply, i) => {
    for (const { result } of reply!.results) {
      record(fleet.kioskIds[i]!, 'lookup', result);
      expect(result, `lookup by ${fleet.kioskIds[i]}`).toMatchObject({ ok: true });
    }
  });
}

/** Kiosks claim the given cards at once; returns, per card, the winning kiosk and its claim. */
async function claimAtOnce(pathsByKiosk: (string[] | undefined)[]) {
  const now = api.clock.now();
  const replies = await fleet.sendAll(
    pathsByKiosk.map((paths) => (paths ? { type: 'claim' as const, now, paths } : undefined)),
  );
  const winners = new Map<string, { kiosk: number; claim: ClaimResponse }[]>();
  const losers = new Map<string, string[]>();
  replies.forEach((reply, kiosk) => {
    for (const { path, result } of reply?.results ?? []) {
      record(fleet.kioskIds[kiosk]!, 'claim', result);
      if (result.ok) winners.set(path, [...(winners.get(path) ?? []), { kiosk, claim: result.value }]);
      else losers.set(path, [...(losers.get(path) ?? []), result.code]);
    }
  });
  return { winners, losers };
}

async function completeAtOnce(claimIdsByKiosk: (string[] | undefined)[]) {
  const now = api.clock.now();
  const replies = await fleet.sendAll(
    claimIdsByKiosk.map((claimIds) => (claimIds ? { type: 'complete' as const, now, claimIds } : undefined)),
  );
  const results: { kiosk: number; claimId: string; outcome: string; completedAt?: number }[] = [];
  replies.forEach((reply, kiosk) => {
    for (const { claimId, result } of reply?.results ?? []) {
      record(fleet.kioskIds[kiosk]!, 'complete', result, claimId);
      results.push({
        kiosk,
        claimId,
        outcome: result.ok ? 'ok' : result.code,
        ...(result.ok ? { completedAt: result.value.completedAt } : {}),
      });
    }
  });
  return results;
}

async function reserveAll(paths: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const path of paths) ids.set(path, (await api.reserve(path, 'signature-pin', PIN)).reservationId);
  return ids;
}

function reservationRow(id: string) {
  return api.store.database.prepare('SELECT status, claim_id FROM reservations WHERE id = ?').get(id) as {
    status: string;
    claim_id: string | null;
  };
}

function completedClaims(id: string): number {
  return (
    api.store.database
      .prepare("SELECT count(*) AS n FROM claims WHERE reservation_id = ? AND outcome = 'completed'")
      .get(id) as { n: number }
  ).n;
}

const everyone = () => fleet.kioskIds.map(() => undefined as string[] | undefined);

describe('kiosk processes racing over a real server', () => {
  it('the same reservations: one claim wins each, completion counted once however often it is reported', async () => {
    api.clock.set(T0 + 60 * 60 * 1000);
    const contested = cards.slice(0, 3);
    const reservations = await reserveAll(contested);
    await everyoneLooksUp(contested);
    const { winners, losers } = await claimAtOnce(fleet.kioskIds.map(() => contested));

    for (const path of contested) {
      expect(winners.get(path), path).toHaveLength(1);
      expect(losers.get(path), path).toEqual(Array(KIOSKS.length - 1).fill('RESERVATION_IN_USE'));
    }
    // The winner reports completion three times at once; every other kiosk tries the winner's claim.
    const completions = await completeAtOnce(
      fleet.kioskIds.map((_, kiosk) =>
        contested.flatMap((path) => {
          const { kiosk: owner, claim } = winners.get(path)![0]!;
          return owner === kiosk ? [claim.claimId, claim.claimId, claim.claimId] : [claim.claimId];
        }),
      ),
    );
    for (const path of contested) {
      const { kiosk: owner, claim } = winners.get(path)![0]!;
      const mine = completions.filter((c) => c.claimId === claim.claimId && c.kiosk === owner);
      const theirs = completions.filter((c) => c.claimId === claim.claimId && c.kiosk !== owner);
      expect(mine.map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok']);
      expect(new Set(mine.map((c) => c.completedAt)).size).toBe(1);
      expect(theirs.map((c) => c.outcome)).toEqual(Array(KIOSKS.length - 1).fill('LEASE_INVALID'));
      const id = reservations.get(path)!;
      expect(reservationRow(id)).toEqual({ status: 'completed', claim_id: claim.claimId });
      expect(completedClaims(id)).toBe(1);
    }
  });

  it('released reservations: each is won again by exactly one of the others; the releaser can no longer complete', async () => {
    api.clock.set(T0 + 2 * 60 * 60 * 1000);
    const contested = cards.slice(0, 3);
    const reservations = await reserveAll(contested);
    await everyoneLooksUp(contested);
    const first = await claimAtOnce(fleet.kioskIds.map(() => contested));

    const releases = everyone();
    for (const path of contested) {
      const { kiosk, claim } = first.winners.get(path)![0]!;
      releases[kiosk] = [...(releases[kiosk] ?? []), claim.claimId];
    }
    const released = await fleet.sendAll(
      releases.map((claimIds) =>
        claimIds ? { type: 'release' as const, now: api.clock.now(), claimIds } : undefined,
      ),
    );
    released.forEach((reply, kiosk) => {
      for (const { result } of reply?.results ?? []) {
        // A release is audited with its reason as the outcome.
        record(fleet.kioskIds[kiosk]!, 'release', result, undefined, 'cancelled');
        expect(result).toMatchObject({ ok: true, value: { status: 'active' } });
      }
    });

    // Every kiosk that lost round one claims again with its unused lookup, all at once.
    const again = await claimAtOnce(
      fleet.kioskIds.map((_, kiosk) =>
        contested.filter((path) => first.winners.get(path)![0]!.kiosk !== kiosk),
      ),
    );
    const late = everyone();
    const finals = everyone();
    for (const path of contested) {
      const [winner, ...extra] = again.winners.get(path) ?? [];
      expect(extra, path).toEqual([]);
      expect(winner, path).toBeDefined();
      expect(winner!.kiosk).not.toBe(first.winners.get(path)![0]!.kiosk);
      const releaser = first.winners.get(path)![0]!;
      late[releaser.kiosk] = [...(late[releaser.kiosk] ?? []), releaser.claim.claimId];
      finals[winner!.kiosk] = [...(finals[winner!.kiosk] ?? []), winner!.claim.claimId];
    }
    // The releaser's late completion and the new winner's completion race.
    const merged = fleet.kioskIds.map((_, kiosk) => {
      const claimIds = [...(late[kiosk] ?? []), ...(finals[kiosk] ?? [])];
      return claimIds.length > 0 ? claimIds : undefined;
    });
    const results = await completeAtOnce(merged);
    for (const path of contested) {
      const releaser = first.winners.get(path)![0]!;
      const winner = again.winners.get(path)![0]!;
      expect(results.find((r) => r.claimId === releaser.claim.claimId)?.outcome).toBe('LEASE_INVALID');
      expect(results.find((r) => r.claimId === winner.claim.claimId)?.outcome).toBe('ok');
      const id = reservations.get(path)!;
      expect(reservationRow(id)).toEqual({ status: 'completed', claim_id: winner.claim.claimId });
      expect(completedClaims(id)).toBe(1);
    }
  });

  it('different reservations: every kiosk completes its own at the same time', async () => {
    api.clock.set(T0 + 3 * 60 * 60 * 1000);
    const reservations = await reserveAll(cards);
    const now = api.clock.now();
    const lookups = await fleet.sendAll(
      fleet.kioskIds.map((_, kiosk) => ({
        type: 'lookup' as const,
        now,
        cards: [{ path: cards[kiosk]!, pin: PIN }],
      })),
    );
    lookups.forEach((reply, kiosk) => record(fleet.kioskIds[kiosk]!, 'lookup', reply!.results[0]!.result));
    const { winners } = await claimAtOnce(fleet.kioskIds.map((_, kiosk) => [cards[kiosk]!]));
    const results = await completeAtOnce(
      fleet.kioskIds.map((_, kiosk) => [winners.get(cards[kiosk]!)![0]!.claim.claimId]),
    );
    expect(results.map((r) => r.outcome)).toEqual(Array(KIOSKS.length).fill('ok'));
    for (const [kiosk, path] of cards.entries()) {
      expect(winners.get(path)!.map((w) => w.kiosk)).toEqual([kiosk]);
      expect(reservationRow(reservations.get(path)!).status).toBe('completed');
    }
  });

  it('the audit trail holds exactly one row per state change or refusal the kiosks were told of', () => {
    const rows = api.store.database
      .prepare(
        'SELECT seq, actor, kiosk_id, reservation_id, action, outcome FROM audit WHERE seq > ? ORDER BY seq',
      )
      .all(auditSeqBefore) as {
      seq: number;
      actor: string;
      kiosk_id: string | null;
      reservation_id: string | null;
      action: string;
      outcome: string;
    }[];
    // No gap and no duplicate in the sequence.
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, i) => auditSeqBefore + 1 + i));

    const count = (list: string[]) =>
      list.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
    const kioskRows = rows.filter((row) => row.actor.startsWith('kiosk:'));
    const audited = count(kioskRows.map((row) => `${row.kiosk_id} ${row.action} ${row.outcome}`));
    // A repeated completion of a completed claim answers the first result and changes nothing.
    const seenCompletions = new Set<string>();
    const told = count(
      reported
        .filter((entry) => {
          if (entry.action !== 'complete' || entry.outcome !== 'ok') return true;
          if (seenCompletions.has(entry.claimId!)) return false;
          seenCompletions.add(entry.claimId!);
          return true;
        })
        .map((entry) => `${entry.kioskId} ${entry.action} ${entry.outcome}`),
    );
    expect(audited).toEqual(told);
    expect(kioskRows.every((row) => row.actor === `kiosk:${row.kiosk_id}`)).toBe(true);
    // Completions in the audit: one per completed reservation, each with its claim's kiosk.
    const completed = api.store.database
      .prepare(
        "SELECT r.id, c.kiosk_id FROM reservations r JOIN claims c ON c.id = r.claim_id WHERE r.status = 'completed'",
      )
      .all() as { id: string; kiosk_id: string }[];
    const completeRows = rows.filter((row) => row.action === 'complete' && row.outcome === 'ok');
    expect(completeRows.map((row) => `${row.reservation_id} ${row.kiosk_id}`).sort()).toEqual(
      completed.map((row) => `${row.id} ${row.kiosk_id}`).sort(),
    );
    expect(completed).toHaveLength(3 + 3 + KIOSKS.length);
  });
});
