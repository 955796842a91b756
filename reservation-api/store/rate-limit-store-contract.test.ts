import { beforeEach, expect, it } from 'vitest';
import { describeOnEachEngine } from '../testing/store-backends';
import type { ReservationStore } from './reservation-store';

/**
 * The contract of the rate limits' counters (`ReservationStore.rateLimits`), run against every
 * implementation: fixed windows from a key's first hit, keys counted apart, and on PostgreSQL
 * concurrent hits from two stores on one database (two API instances) each counted exactly once.
 * SQLite counts in the one API process a SQLite database may have (the instance lock), so a second
 * store on its file is not a second instance and shares nothing (checked below too).
 */

const T0 = Date.parse('2026-11-23T10:00:00+09:00');
const WINDOW = 60_000;

describeOnEachEngine('rate-limit store contract', (backend) => {
  let store: ReservationStore;

  beforeEach(async () => {
    store = await backend.open();
  });

  it('counts hits in a window that starts with the first hit and ends windowMs later', async () => {
    const hit = (at: number) => store.rateLimits.hit({ key: 'POST /x|10.0.0.1', now: at, windowMs: WINDOW });
    expect(await hit(T0)).toEqual({ hits: 1, windowEnds: T0 + WINDOW });
    expect(await hit(T0 + 1_000)).toEqual({ hits: 2, windowEnds: T0 + WINDOW });
    expect(await hit(T0 + WINDOW - 1)).toEqual({ hits: 3, windowEnds: T0 + WINDOW });
    // The window is over: the next hit starts a new one, counted from it.
    expect(await hit(T0 + WINDOW)).toEqual({ hits: 1, windowEnds: T0 + 2 * WINDOW });
    expect(await hit(T0 + WINDOW + 5)).toEqual({ hits: 2, windowEnds: T0 + 2 * WINDOW });
  });

  it('counts each key on its own', async () => {
    await store.rateLimits.hit({ key: 'POST /x|10.0.0.1', now: T0, windowMs: WINDOW });
    await store.rateLimits.hit({ key: 'POST /x|10.0.0.1', now: T0, windowMs: WINDOW });
    expect(await store.rateLimits.hit({ key: 'POST /x|10.0.0.2', now: T0, windowMs: WINDOW })).toEqual({
      hits: 1,
      windowEnds: T0 + WINDOW,
    });
    expect(await store.rateLimits.hit({ key: 'POST /y|10.0.0.1', now: T0, windowMs: WINDOW })).toEqual({
      hits: 1,
      windowEnds: T0 + WINDOW,
    });
  });

  it.runIf(backend.name === 'PostgreSQL')(
    'counts concurrent hits from two stores on one database exactly once each',
    async () => {
      const another = await backend.openAnother();
      const hits = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? store : another).rateLimits.hit({ key: 'shared', now: T0 + i, windowMs: WINDOW }),
        ),
      );
      // Every hit saw a different count: none lost, none counted twice.
      expect(hits.map((h) => h.hits).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      expect(new Set(hits.map((h) => h.windowEnds)).size).toBe(1);
    },
  );

  it.runIf(backend.name === 'SQLite')(
    'counts in the API process, writing nothing to the database',
    async () => {
      await store.rateLimits.hit({ key: 'POST /x|10.0.0.1', now: T0, windowMs: WINDOW });
      const another = await backend.openAnother();
      expect(
        (await another.rateLimits.hit({ key: 'POST /x|10.0.0.1', now: T0, windowMs: WINDOW })).hits,
      ).toBe(1);
      expect((await store.rateLimits.hit({ key: 'POST /x|10.0.0.1', now: T0, windowMs: WINDOW })).hits).toBe(
        2,
      );
    },
  );

  it('prunes windows that ended before the given time, and only those', async () => {
    await store.rateLimits.hit({ key: 'old', now: T0, windowMs: WINDOW });
    await store.rateLimits.hit({ key: 'new', now: T0 + WINDOW, windowMs: WINDOW });
    expect(await store.rateLimits.prune(T0 + WINDOW + 1)).toBe(1);
    expect(await store.rateLimits.prune(T0 + WINDOW + 1)).toBe(0);
    // The kept window goes on counting; the pruned key starts afresh.
    expect((await store.rateLimits.hit({ key: 'new', now: T0 + WINDOW + 2, windowMs: WINDOW })).hits).toBe(2);
    expect((await store.rateLimits.hit({ key: 'old', now: T0 + WINDOW + 2, windowMs: WINDOW })).hits).toBe(1);
  });
});
