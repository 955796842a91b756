import { beforeEach, describe, expect, it } from 'vitest';
import type { Procedure } from '../contract';
import { describeOnEachEngine } from '../testing/store-backends';
import type { NewReservation, ReservationStore } from './reservation-store';

/**
 * The contract of the reservation store, run against every implementation (SQLite and PostgreSQL):
 * the suite is the definition of the store. What only one engine has (SQLite's WAL and group
 * commit, PostgreSQL's migration lock) is tested beside that implementation.
 */

const T0 = Date.parse('2026-11-23T10:00:00+09:00');
const DAY = 24 * 60 * 60 * 1000;
const LEASE = 2 * 60 * 1000;
const LOOKUP_TTL = 3 * 60 * 1000;
/** A claim request's digest (PIN file + card challenge), as the service computes it. */
const DIGEST = 'a'.repeat(64);

let counter = 0;

function newReservation(overrides: Partial<NewReservation> = {}): NewReservation {
  counter += 1;
  return {
    id: `rsv_test_${counter}`,
    tokenHash: `hash-${counter}`,
    cardRef: 'card-a',
    proofKeyRef: 'proof-a',
    tokenSerial: 'SERIAL0000000001',
    procedure: 'signature-pin',
    createdAt: T0,
    expiresAt: T0 + DAY,
    ...overrides,
  };
}

function lookupInput(kioskId: string, now: number, lookupId = `lk_${kioskId}_${now}`) {
  return {
    kioskId,
    cardRef: 'card-a',
    proofKeyRef: 'proof-a',
    tokenSerial: 'SERIAL0000000001',
    procedure: 'signature-pin' as const,
    lookupId,
    lookupTtlMs: LOOKUP_TTL,
    now,
  };
}

describeOnEachEngine('store contract', (backend) => {
  let store: ReservationStore;

  async function registerKiosk(id: string) {
    await store.registerKiosk(
      {
        id,
        chain: 'seven-eleven',
        storeId: 'S1',
        procedures: ['signature-pin', 'auth-pin'],
        publicKey: 'A'.repeat(43) + '=',
        registeredAt: T0,
        revokedAt: null,
      },
      'operator:test',
    );
  }

  async function lookupAndClaim(kioskId: string, now: number, claimId = `cl_${kioskId}_${now}`) {
    const lookup = await store.lookupReservation(lookupInput(kioskId, now));
    if (!lookup.ok) return lookup;
    return store.claimReservation({
      kioskId,
      lookupId: lookup.value.lookupId,
      procedure: 'signature-pin',
      claimId,
      leaseMs: LEASE,
      requestDigest: DIGEST,
      now,
    });
  }

  /** Issues challenges valid from T0 for 1 s, one per nonce. */
  async function issueChallenges(nonces: string[], purpose: 'kiosk' | 'reserve', kioskId: string | null) {
    for (const nonce of nonces) {
      await store.issueChallenge({ nonce, purpose, kioskId, issuedAt: T0, expiresAt: T0 + 1000 });
    }
  }

  beforeEach(async () => {
    store = await backend.open();
    await registerKiosk('kiosk-1');
    await registerKiosk('kiosk-2');
  });

  it('keeps the audit append-only (UPDATE and DELETE refused)', async () => {
    await store.createReservation(newReservation());
    await expect(backend.sql("UPDATE audit SET outcome = 'x'")).rejects.toThrow(/append-only/);
    await expect(backend.sql('DELETE FROM audit')).rejects.toThrow(/append-only/);
  });

  describe('challenges', () => {
    it('consumes a challenge once, until (not at) its expiry, only for its purpose and kiosk', async () => {
      await store.issueChallenge({
        nonce: 'n1',
        purpose: 'kiosk',
        kioskId: 'kiosk-1',
        issuedAt: T0,
        expiresAt: T0 + 300_000,
      });
      await store.issueChallenge({
        nonce: 'n2',
        purpose: 'reserve',
        kioskId: null,
        issuedAt: T0,
        expiresAt: T0 + 300_000,
      });
      const consume = (nonce: string, purpose: 'kiosk' | 'reserve', kioskId: string | null, now: number) =>
        store.consumeChallenge({ nonce, purpose, kioskId, now });

      expect(await consume('n1', 'kiosk', 'kiosk-2', T0)).toEqual({ ok: false, code: 'CHALLENGE_UNKNOWN' });
      expect(await consume('n1', 'reserve', null, T0)).toEqual({ ok: false, code: 'CHALLENGE_UNKNOWN' });
      expect(await consume('nope', 'kiosk', 'kiosk-1', T0)).toEqual({ ok: false, code: 'CHALLENGE_UNKNOWN' });
      expect(await consume('n2', 'reserve', null, T0 + 300_000)).toEqual({
        ok: false,
        code: 'CHALLENGE_EXPIRED',
      });
      expect(await consume('n1', 'kiosk', 'kiosk-1', T0 + 299_999)).toEqual({ ok: true, value: undefined });
      expect(await consume('n1', 'kiosk', 'kiosk-1', T0 + 1)).toEqual({ ok: false, code: 'CHALLENGE_USED' });
    });

    it('counts attempts per card within the window', async () => {
      expect(await store.recordCardAttempt({ cardRef: 'c', now: T0, windowMs: 1000 })).toBe(1);
      expect(await store.recordCardAttempt({ cardRef: 'c', now: T0 + 500, windowMs: 1000 })).toBe(2);
      expect(await store.recordCardAttempt({ cardRef: 'other', now: T0 + 500, windowMs: 1000 })).toBe(1);
      expect(await store.recordCardAttempt({ cardRef: 'c', now: T0 + 1000, windowMs: 1000 })).toBe(2);
    });

    it('uses a challenge and counts the card attempt in one operation; a refused challenge counts none', async () => {
      await issueChallenges(['f1', 'f2'], 'reserve', null);
      const attempt = (nonce: string, now: number) =>
        store.consumeChallengeForCard({
          nonce,
          purpose: 'reserve',
          kioskId: null,
          now,
          cardRef: 'fc',
          windowMs: 1000,
        });
      expect(await attempt('f1', T0)).toEqual({ ok: true, value: 1 });
      expect(await attempt('f1', T0 + 1)).toEqual({ ok: false, code: 'CHALLENGE_USED' });
      expect(await attempt('unknown', T0 + 1)).toEqual({ ok: false, code: 'CHALLENGE_UNKNOWN' });
      expect(await attempt('f2', T0 + 1000)).toEqual({ ok: false, code: 'CHALLENGE_EXPIRED' });
      // Only the usable challenge counted against the card.
      expect(await store.recordCardAttempt({ cardRef: 'fc', now: T0 + 2, windowMs: 1000 })).toBe(2);
      expect(
        await store.consumeChallenge({ nonce: 'f1', purpose: 'reserve', kioskId: null, now: T0 + 3 }),
      ).toEqual({
        ok: false,
        code: 'CHALLENGE_USED',
      });
    });

    it('peeks at a challenge and the card attempts without writing, then spends them with the reservation', async () => {
      await issueChallenges(['s1', 's2', 's3'], 'reserve', null);
      const challenge = (nonce: string, now: number) => ({
        nonce,
        purpose: 'reserve' as const,
        kioskId: null,
        now,
        cardRef: 'card-a',
        windowMs: 1000,
      });
      // Peeking twice answers the same: nothing was written.
      expect(await store.peekChallengeForCard(challenge('s1', T0))).toEqual({ ok: true, value: 1 });
      expect(await store.peekChallengeForCard(challenge('s1', T0))).toEqual({ ok: true, value: 1 });
      expect(await store.peekChallengeForCard(challenge('nope', T0))).toEqual({
        ok: false,
        code: 'CHALLENGE_UNKNOWN',
      });
      expect(await store.peekChallengeForCard(challenge('s1', T0 + 1000))).toEqual({
        ok: false,
        code: 'CHALLENGE_EXPIRED',
      });

      const first = newReservation();
      const created = await store.spendChallengeAndCreate({
        challenge: challenge('s1', T0),
        maxAttempts: 2,
        reservation: first,
      });
      expect(created.ok && created.value?.reservation).toMatchObject({ id: first.id, status: 'active' });
      // The challenge is spent and the attempt counted.
      expect(await store.peekChallengeForCard(challenge('s1', T0 + 1))).toEqual({
        ok: false,
        code: 'CHALLENGE_USED',
      });
      expect(await store.peekChallengeForCard(challenge('s2', T0 + 1))).toEqual({ ok: true, value: 2 });
      expect(
        await store.spendChallengeAndCreate({
          challenge: challenge('s1', T0 + 1),
          maxAttempts: 2,
          reservation: newReservation(),
        }),
      ).toEqual({ ok: false, code: 'CHALLENGE_USED' });

      // A create that failed its checks: the challenge is used and the attempt counted, nothing stored.
      expect(
        await store.spendChallengeAndCreate({ challenge: challenge('s2', T0 + 2), maxAttempts: 2 }),
      ).toEqual({
        ok: true,
        value: null,
      });
      // Past the limit: refused, the attempt counted, the reservation not stored.
      const third = newReservation();
      expect(
        await store.spendChallengeAndCreate({
          challenge: challenge('s3', T0 + 3),
          maxAttempts: 2,
          reservation: third,
        }),
      ).toEqual({ ok: false, code: 'RATE_LIMITED' });
      expect(await store.peekChallengeForCard(challenge('s3', T0 + 4))).toEqual({
        ok: false,
        code: 'CHALLENGE_USED',
      });
      expect(await store.recordCardAttempt({ cardRef: 'card-a', now: T0 + 5, windowMs: 1000 })).toBe(4);
      // The first reservation is still the card's active one.
      const check = await store.checkReservation({
        kioskId: 'kiosk-1',
        cardRef: 'card-a',
        proofKeyRef: 'proof-a',
        tokenSerial: 'SERIAL0000000001',
        procedure: 'signature-pin',
        now: T0 + 6,
      });
      expect(check).toEqual({ ok: true, value: { reservationId: first.id } });
    });

    it('peeks at a kiosk challenge without using it, and uses it up with the lookup', async () => {
      await issueChallenges(['k1', 'k2'], 'kiosk', 'kiosk-1');
      await store.createReservation(newReservation());
      const challenge = (nonce: string, now: number, kioskId = 'kiosk-1') => ({
        nonce,
        purpose: 'kiosk' as const,
        kioskId,
        now,
      });
      expect(await store.peekChallenge(challenge('k1', T0))).toEqual({ ok: true, value: undefined });
      expect(await store.peekChallenge(challenge('k1', T0))).toEqual({ ok: true, value: undefined });
      expect(await store.peekChallenge(challenge('k1', T0, 'kiosk-2'))).toEqual({
        ok: false,
        code: 'CHALLENGE_UNKNOWN',
      });
      expect(await store.peekChallenge(challenge('k1', T0 + 1000))).toEqual({
        ok: false,
        code: 'CHALLENGE_EXPIRED',
      });

      const looked = await store.lookupReservation({
        ...lookupInput('kiosk-1', T0 + 1),
        challenge: challenge('k1', T0 + 1),
      });
      expect(looked.ok).toBe(true);
      expect(await store.peekChallenge(challenge('k1', T0 + 2))).toEqual({
        ok: false,
        code: 'CHALLENGE_USED',
      });
      // A spent challenge refuses the lookup with its own code, and no lookup is made.
      expect(
        await store.lookupReservation({
          ...lookupInput('kiosk-1', T0 + 3, 'lk_again'),
          challenge: challenge('k1', T0 + 3),
        }),
      ).toEqual({ ok: false, code: 'CHALLENGE_USED' });
      expect(
        await store.claimReservation({
          kioskId: 'kiosk-1',
          lookupId: 'lk_again',
          procedure: 'signature-pin',
          claimId: 'cl_again',
          leaseMs: LEASE,
          requestDigest: DIGEST,
          now: T0 + 4,
        }),
      ).toEqual({ ok: false, code: 'LOOKUP_INVALID' });
    });

    it('spots a replayed kiosk nonce within the window and forgets it after', async () => {
      const remember = (kioskId: string, now: number) =>
        store.rememberKioskNonce({ kioskId, nonce: 'abc', now, windowMs: 10_000 });
      expect(await remember('kiosk-1', T0)).toBe(true);
      expect(await remember('kiosk-1', T0 + 5_000)).toBe(false);
      expect(await remember('kiosk-2', T0 + 5_000)).toBe(true);
      expect(await remember('kiosk-1', T0 + 10_001)).toBe(true);
    });
  });

  describe('phone side', () => {
    it('supersedes the active reservation of the same card and procedure, not of another procedure', async () => {
      const first = newReservation();
      const other = newReservation({ procedure: 'auth-pin' });
      await store.createReservation(first);
      await store.createReservation(other);
      const second = newReservation({ createdAt: T0 + 1000, expiresAt: T0 + 1000 + DAY });
      const created = await store.createReservation(second);
      expect(created.superseded).toEqual([first.id]);
      expect(created.reservation.status).toBe('active');
      const read = await store.readReservation({
        reservationId: first.id,
        tokenHash: first.tokenHash,
        now: T0 + 2000,
      });
      expect(read.ok && read.value.status).toBe('superseded');
      const untouched = await store.readReservation({
        reservationId: other.id,
        tokenHash: other.tokenHash,
        now: T0,
      });
      expect(untouched.ok && untouched.value.status).toBe('active');
    });

    it('reads only with the right token, and expires at exactly created + 24 h', async () => {
      const r = newReservation();
      await store.createReservation(r);
      expect(await store.readReservation({ reservationId: r.id, tokenHash: 'wrong', now: T0 })).toEqual({
        ok: false,
        code: 'RESERVATION_NOT_FOUND',
      });
      const before = await store.readReservation({
        reservationId: r.id,
        tokenHash: r.tokenHash,
        now: T0 + DAY - 1,
      });
      expect(before.ok && before.value.status).toBe('active');
      const at = await store.readReservation({ reservationId: r.id, tokenHash: r.tokenHash, now: T0 + DAY });
      expect(at.ok && at.value.status).toBe('expired');
    });

    it('cancels an active reservation (again harmlessly), not a claimed one', async () => {
      const r = newReservation();
      await store.createReservation(r);
      const cancel = () =>
        store.cancelReservation({ reservationId: r.id, tokenHash: r.tokenHash, now: T0 + 10 });
      expect((await cancel()).ok).toBe(true);
      const again = await cancel();
      expect(again.ok && again.value.status).toBe('cancelled');

      const claimedOne = newReservation({ createdAt: T0 + 20 });
      await store.createReservation(claimedOne);
      expect((await lookupAndClaim('kiosk-1', T0 + 30)).ok).toBe(true);
      expect(
        await store.cancelReservation({
          reservationId: claimedOne.id,
          tokenHash: claimedOne.tokenHash,
          now: T0 + 40,
        }),
      ).toEqual({ ok: false, code: 'RESERVATION_IN_USE' });
    });

    it('expires due reservations in a sweep, with an audit row each', async () => {
      const r = newReservation();
      await store.createReservation(r);
      expect(await store.expireDue(T0 + DAY - 1)).toBe(0);
      expect(await store.expireDue(T0 + DAY)).toBe(1);
      const audit = await store.auditEntries({ reservationId: r.id, limit: 10 });
      expect(audit.map((a) => [a.action, a.fromStatus, a.toStatus, a.actor])).toEqual([
        ['create', null, 'active', 'phone'],
        ['expire', 'active', 'expired', 'system'],
      ]);
    });
  });

  describe('kiosk side', () => {
    it('looks up, claims, completes; the same claim completes again harmlessly; the card is then "used"', async () => {
      const r = newReservation();
      await store.createReservation(r);
      const claim = await lookupAndClaim('kiosk-1', T0 + 1000);
      expect(claim.ok).toBe(true);
      if (!claim.ok) return;
      expect(claim.value.leaseExpiresAt).toBe(T0 + 1000 + LEASE);
      const complete = () =>
        store.completeClaim({ kioskId: 'kiosk-1', claimId: claim.value.claimId, now: T0 + 2000 });
      expect(await complete()).toEqual({ ok: true, value: { reservationId: r.id, completedAt: T0 + 2000 } });
      expect(await complete()).toEqual({ ok: true, value: { reservationId: r.id, completedAt: T0 + 2000 } });
      expect(await store.lookupReservation(lookupInput('kiosk-2', T0 + 3000))).toEqual({
        ok: false,
        code: 'RESERVATION_USED',
      });
      expect(
        await store.completeClaim({ kioskId: 'kiosk-2', claimId: claim.value.claimId, now: T0 + 3000 }),
      ).toEqual({ ok: false, code: 'LEASE_INVALID' });
    });

    it('refuses a card whose reservation was proven with another key or token serial (another card)', async () => {
      await store.createReservation(newReservation());
      expect(await store.lookupReservation({ ...lookupInput('kiosk-1', T0), proofKeyRef: 'other' })).toEqual({
        ok: false,
        code: 'RESERVATION_NOT_FOUND',
      });
      expect(
        await store.lookupReservation({ ...lookupInput('kiosk-1', T0), tokenSerial: 'SERIAL0000000002' }),
      ).toEqual({ ok: false, code: 'RESERVATION_NOT_FOUND' });
      expect(await store.lookupReservation({ ...lookupInput('kiosk-1', T0), cardRef: 'card-b' })).toEqual({
        ok: false,
        code: 'RESERVATION_NOT_FOUND',
      });
    });

    describe('the reservation check before any PIN', () => {
      const checkInput = (kioskId: string, now: number, procedure: Procedure = 'signature-pin') => ({
        kioskId,
        cardRef: 'card-a',
        proofKeyRef: null,
        tokenSerial: 'SERIAL0000000001',
        procedure,
        now,
      });

      it('admits a usable reservation for its kiosk; the lookup of that kiosk then knows when', async () => {
        const r = newReservation();
        await store.createReservation(r);
        expect(await store.checkReservation(checkInput('kiosk-1', T0 + 1000))).toEqual({
          ok: true,
          value: { reservationId: r.id },
        });
        // A later check of the same kiosk moves the admission on.
        await store.checkReservation(checkInput('kiosk-1', T0 + 2000));
        const lookupId = 'lk_admitted';
        expect((await store.lookupReservation(lookupInput('kiosk-1', T0 + 3000, lookupId))).ok).toBe(true);
        expect(await store.admissionOfLookup({ kioskId: 'kiosk-1', lookupId })).toBe(T0 + 2000);
        // Another kiosk's lookup of the same reservation was never admitted by it.
        expect((await store.lookupReservation(lookupInput('kiosk-2', T0 + 3000, 'lk_other'))).ok).toBe(true);
        expect(await store.admissionOfLookup({ kioskId: 'kiosk-2', lookupId: 'lk_other' })).toBeNull();
        expect(await store.admissionOfLookup({ kioskId: 'kiosk-2', lookupId })).toBeNull();
      });

      it('refuses as the lookup would, another card included; the proof key only when given', async () => {
        await store.createReservation(newReservation());
        expect(
          await store.checkReservation({ ...checkInput('kiosk-1', T0), tokenSerial: 'SERIAL0000000002' }),
        ).toEqual({ ok: false, code: 'RESERVATION_NOT_FOUND' });
        expect(await store.checkReservation({ ...checkInput('kiosk-1', T0), proofKeyRef: 'other' })).toEqual({
          ok: false,
          code: 'RESERVATION_NOT_FOUND',
        });
        expect(
          (await store.checkReservation({ ...checkInput('kiosk-1', T0), proofKeyRef: 'proof-a' })).ok,
        ).toBe(true);
        expect(await store.checkReservation(checkInput('kiosk-1', T0 + DAY))).toEqual({
          ok: false,
          code: 'RESERVATION_EXPIRED',
        });
      });

      it('names the other procedure when only it has a live reservation', async () => {
        await store.createReservation(newReservation({ procedure: 'auth-pin' }));
        expect(await store.checkReservation(checkInput('kiosk-1', T0))).toEqual({
          ok: false,
          code: 'RESERVATION_FOR_OTHER_PROCEDURE',
        });
        expect((await store.checkReservation(checkInput('kiosk-1', T0, 'auth-pin'))).ok).toBe(true);
        // Once that one is past its 24 h, there is nothing to point to.
        expect(await store.checkReservation(checkInput('kiosk-1', T0 + DAY))).toEqual({
          ok: false,
          code: 'RESERVATION_NOT_FOUND',
        });
      });

      it('says in use while another kiosk holds a claim', async () => {
        await store.createReservation(newReservation());
        expect((await lookupAndClaim('kiosk-1', T0 + 1000)).ok).toBe(true);
        expect(await store.checkReservation(checkInput('kiosk-2', T0 + 2000))).toEqual({
          ok: false,
          code: 'RESERVATION_IN_USE',
        });
      });
    });

    it('binds a claim to a fresh, unused lookup by the same kiosk for the same procedure', async () => {
      await store.createReservation(newReservation());
      const lookup = await store.lookupReservation(lookupInput('kiosk-1', T0));
      if (!lookup.ok) throw new Error('lookup failed');
      const claim = (
        kioskId: string,
        now: number,
        procedure: 'signature-pin' | 'auth-pin' = 'signature-pin',
        requestDigest = DIGEST,
      ) =>
        store.claimReservation({
          kioskId,
          lookupId: lookup.value.lookupId,
          procedure,
          claimId: `c${now}`,
          leaseMs: LEASE,
          requestDigest,
          now,
        });
      expect(await claim('kiosk-2', T0 + 1)).toEqual({ ok: false, code: 'LOOKUP_INVALID' });
      expect(await claim('kiosk-1', T0 + LOOKUP_TTL)).toEqual({ ok: false, code: 'LOOKUP_EXPIRED' });
      expect(await claim('kiosk-1', T0 + 1, 'auth-pin')).toEqual({ ok: false, code: 'PIN_FILE_MISMATCH' });
      expect((await claim('kiosk-1', T0 + LOOKUP_TTL - 1)).ok).toBe(true);
      // The used lookup again with another request (another card challenge) is refused.
      expect(await claim('kiosk-1', T0 + LOOKUP_TTL - 1, 'signature-pin', 'b'.repeat(64))).toEqual({
        ok: false,
        code: 'LOOKUP_INVALID',
      });
    });

    describe('a claim retried by its kiosk (the answer was lost)', () => {
      /** A reservation claimed by kiosk-1 at T0 through lookup `lk-r`; returns a retry of that claim. */
      async function claimedThenRetry() {
        await store.createReservation(newReservation());
        const lookup = await store.lookupReservation(lookupInput('kiosk-1', T0, 'lk-r'));
        if (!lookup.ok) throw new Error('lookup failed');
        const request = {
          kioskId: 'kiosk-1',
          lookupId: 'lk-r',
          procedure: 'signature-pin' as Procedure,
          claimId: 'clm-first',
          leaseMs: LEASE,
          requestDigest: DIGEST,
          now: T0,
        };
        const first = await store.claimReservation(request);
        if (!first.ok) throw new Error('claim failed');
        const retry = (changes: Partial<typeof request> = {}) =>
          store.claimReservation({ ...request, claimId: 'clm-retry', now: T0 + 5_000, ...changes });
        return { first: first.value, retry };
      }

      const claimRows = () => backend.sql<{ id: string }>("SELECT id FROM claims WHERE lookup_id = 'lk-r'");

      it('answers the same claim again, with one claim row and one claim transition', async () => {
        const { first, retry } = await claimedThenRetry();
        const again = await retry();
        expect(again).toEqual({ ok: true, value: { ...first, replayed: true } });
        expect(first).toMatchObject({ claimId: 'clm-first', leaseExpiresAt: T0 + LEASE, replayed: false });
        expect(await claimRows()).toEqual([{ id: 'clm-first' }]);
        const audit = await store.auditEntries({ reservationId: first.reservation.id, limit: 100 });
        expect(audit.map((entry) => [entry.action, entry.fromStatus, entry.toStatus, entry.outcome])).toEqual(
          [
            ['create', null, 'active', 'ok'],
            ['lookup', 'active', 'active', 'ok'],
            ['claim', 'active', 'claimed', 'ok'],
            ['claim-replay', null, null, 'ok'],
          ],
        );
      });

      it('refuses another kiosk, another request, another procedure, and a retry at the lease expiry', async () => {
        const { retry } = await claimedThenRetry();
        expect(await retry({ kioskId: 'kiosk-2' })).toEqual({ ok: false, code: 'LOOKUP_INVALID' });
        expect(await retry({ requestDigest: 'b'.repeat(64) })).toEqual({ ok: false, code: 'LOOKUP_INVALID' });
        expect(await retry({ procedure: 'auth-pin' })).toEqual({ ok: false, code: 'LOOKUP_INVALID' });
        expect(await retry({ now: T0 + LEASE })).toEqual({ ok: false, code: 'LOOKUP_INVALID' });
        expect((await retry({ now: T0 + LEASE - 1 })).ok).toBe(true);
        expect(await claimRows()).toHaveLength(1);
      });

      it('refuses once the claim is released or completed', async () => {
        const released = await claimedThenRetry();
        await store.releaseClaim({ kioskId: 'kiosk-1', claimId: 'clm-first', reason: 'other', now: T0 + 1 });
        expect(await released.retry()).toEqual({ ok: false, code: 'LOOKUP_INVALID' });

        store = await backend.open();
        await registerKiosk('kiosk-1');
        await registerKiosk('kiosk-2');
        const completed = await claimedThenRetry();
        await store.completeClaim({ kioskId: 'kiosk-1', claimId: 'clm-first', now: T0 + 1 });
        expect(await completed.retry()).toEqual({ ok: false, code: 'LOOKUP_INVALID' });
      });

      it('refuses a claim made before the digest was kept (NULL digest)', async () => {
        const { retry } = await claimedThenRetry();
        await backend.sql("UPDATE claims SET request_digest = NULL WHERE lookup_id = 'lk-r'");
        expect(await retry()).toEqual({ ok: false, code: 'LOOKUP_INVALID' });
      });
    });

    it('lets another kiosk take over only once the lease has lapsed; the lapsed claim can then not complete', async () => {
      await store.createReservation(newReservation());
      const first = await lookupAndClaim('kiosk-1', T0);
      if (!first.ok) throw new Error('claim failed');
      expect(await store.lookupReservation(lookupInput('kiosk-2', T0 + LEASE - 1))).toEqual({
        ok: false,
        code: 'RESERVATION_IN_USE',
      });
      const second = await lookupAndClaim('kiosk-2', T0 + LEASE);
      expect(second.ok).toBe(true);
      expect(
        await store.completeClaim({ kioskId: 'kiosk-1', claimId: first.value.claimId, now: T0 + LEASE + 1 }),
      ).toEqual({ ok: false, code: 'LEASE_INVALID' });
    });

    it('completes a claim after its lease and after the 24 h when nobody needed the reservation', async () => {
      await store.createReservation(newReservation());
      const claim = await lookupAndClaim('kiosk-1', T0 + DAY - 1);
      if (!claim.ok) throw new Error('claim failed');
      expect(await store.expireDue(T0 + DAY + LEASE)).toBe(0);
      const done = await store.completeClaim({
        kioskId: 'kiosk-1',
        claimId: claim.value.claimId,
        now: T0 + DAY + LEASE,
      });
      expect(done.ok).toBe(true);
    });

    it('releases back to active, or to expired once 24 h are up; a repeated release is harmless', async () => {
      const r = newReservation();
      await store.createReservation(r);
      const claim = await lookupAndClaim('kiosk-1', T0 + DAY - 10);
      if (!claim.ok) throw new Error('claim failed');
      const release = (now: number) =>
        store.releaseClaim({ kioskId: 'kiosk-1', claimId: claim.value.claimId, reason: 'card-removed', now });
      expect(await release(T0 + DAY)).toEqual({
        ok: true,
        value: { reservationId: r.id, status: 'expired' },
      });
      expect(await release(T0 + DAY + 1)).toEqual({
        ok: true,
        value: { reservationId: r.id, status: 'expired' },
      });
      const audit = await store.auditEntries({ reservationId: r.id, limit: 20 });
      expect(audit.map((a) => `${a.action}:${a.fromStatus}->${a.toStatus}:${a.outcome}`)).toEqual([
        'create:null->active:ok',
        'lookup:active->active:ok',
        'claim:active->claimed:ok',
        'release:claimed->active:card-removed',
        'expire:active->expired:ok',
      ]);
    });

    it('refuses an expired reservation at lookup with RESERVATION_EXPIRED and keeps the expiry', async () => {
      const r = newReservation();
      await store.createReservation(r);
      expect(await store.lookupReservation(lookupInput('kiosk-1', T0 + DAY))).toEqual({
        ok: false,
        code: 'RESERVATION_EXPIRED',
      });
      const read = await store.readReservation({
        reservationId: r.id,
        tokenHash: r.tokenHash,
        now: T0 + DAY,
      });
      expect(read.ok && read.value.status).toBe('expired');
      const audit = await store.auditEntries({ reservationId: r.id, limit: 20 });
      expect(audit.at(-1)).toMatchObject({
        action: 'lookup',
        outcome: 'RESERVATION_EXPIRED',
        kioskId: 'kiosk-1',
      });
    });

    it('lets exactly one of two stores on one database (two processes) claim the same reservation', async () => {
      await store.createReservation(newReservation());
      const lookup1 = await store.lookupReservation(lookupInput('kiosk-1', T0, 'lk-1'));
      const lookup2 = await store.lookupReservation(lookupInput('kiosk-2', T0, 'lk-2'));
      expect(lookup1.ok && lookup2.ok).toBe(true);
      const other = await backend.openAnother();
      {
        const results = await Promise.all([
          store.claimReservation({
            kioskId: 'kiosk-1',
            lookupId: 'lk-1',
            procedure: 'signature-pin',
            claimId: 'c-1',
            leaseMs: LEASE,
            requestDigest: DIGEST,
            now: T0 + 1,
          }),
          other.claimReservation({
            kioskId: 'kiosk-2',
            lookupId: 'lk-2',
            procedure: 'signature-pin',
            claimId: 'c-2',
            leaseMs: LEASE,
            requestDigest: DIGEST,
            now: T0 + 1,
          }),
        ]);
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, code: 'RESERVATION_IN_USE' }]);
      }
    });

    it('keeps one active reservation per card when two stores create for it at once', async () => {
      const other = await backend.openAnother();
      const creates = Array.from({ length: 6 }, (_, i) =>
        newReservation({ createdAt: T0 + i, expiresAt: T0 + i + DAY }),
      );
      const results = await Promise.all(
        creates.map((r, i) => (i % 2 === 0 ? store : other).createReservation(r)),
      );
      expect(results.map((r) => r.reservation.status)).toEqual(creates.map(() => 'active'));
      // Each create superseded exactly the one active before it: a chain, whatever the order.
      expect(results.flatMap((r) => r.superseded)).toHaveLength(creates.length - 1);
      const statuses = await Promise.all(
        creates.map(async (r) => {
          const read = await store.readReservation({
            reservationId: r.id,
            tokenHash: r.tokenHash,
            now: T0 + 10,
          });
          return read.ok ? read.value.status : read.code;
        }),
      );
      expect(statuses.filter((status) => status === 'active')).toHaveLength(1);
      expect(statuses.filter((status) => status === 'superseded')).toHaveLength(creates.length - 1);
    });

    it('stores events once per id and keeps the latest heartbeat per kiosk', async () => {
      const events = [
        { id: 'event-0001', type: 'session.started', at: T0 },
        { id: 'event-0002', type: 'reset.completed', at: T0 + 1, data: { procedure: 'signature-pin' } },
      ];
      expect(await store.appendKioskEvents({ kioskId: 'kiosk-1', events, receivedAt: T0 })).toEqual({
        accepted: 2,
        duplicates: 0,
      });
      expect(await store.appendKioskEvents({ kioskId: 'kiosk-1', events, receivedAt: T0 })).toEqual({
        accepted: 0,
        duplicates: 2,
      });
      const heartbeat = {
        state: 'idle',
        reader: 'ready' as const,
        cardPresent: false,
        version: '1',
        clock: T0,
        counters: {},
      };
      await store.saveHeartbeat({ kioskId: 'kiosk-1', heartbeat, receivedAt: T0 });
      await store.saveHeartbeat({
        kioskId: 'kiosk-1',
        heartbeat: { ...heartbeat, state: 'reading' },
        receivedAt: T0 + 10,
      });
      const kiosks = await store.listKiosks();
      expect(kiosks.find((k) => k.id === 'kiosk-1')?.lastHeartbeat).toMatchObject({
        state: 'reading',
        receivedAt: T0 + 10,
      });
      expect(kiosks.find((k) => k.id === 'kiosk-2')?.lastHeartbeat).toBeNull();
    });

    it('revokes a kiosk once and refuses unknown ones', async () => {
      const revoked = await store.revokeKiosk({ kioskId: 'kiosk-1', actor: 'operator:x', now: T0 + 5 });
      expect(revoked.ok && revoked.value.revokedAt).toBe(T0 + 5);
      const again = await store.revokeKiosk({ kioskId: 'kiosk-1', actor: 'operator:x', now: T0 + 9 });
      expect(again.ok && again.value.revokedAt).toBe(T0 + 5);
      expect(await store.revokeKiosk({ kioskId: 'nope', actor: 'operator:x', now: T0 })).toEqual({
        ok: false,
        code: 'KIOSK_NOT_FOUND',
      });
    });
  });
});
