import { describe, expect, it } from 'vitest';
import { GroupCommit, StoreDurabilityError } from './group-commit';

/** A sync the test finishes by hand, recording what had been committed when each one started. */
function heldSyncs() {
  const started: Array<{ finish: () => void; fail: (error: Error) => void }> = [];
  const sync = () =>
    new Promise<void>((resolve, reject) => {
      started.push({ finish: resolve, fail: reject });
    });
  return { sync, started };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function tracked<T>(promise: Promise<T>) {
  const state = { done: false, failed: undefined as unknown };
  promise.then(
    () => (state.done = true),
    (error: unknown) => (state.failed = error),
  );
  return state;
}

describe('GroupCommit', () => {
  it('resolves a durable write only after a sync that started after it', async () => {
    const { sync, started } = heldSyncs();
    const commits = new GroupCommit(sync);
    const first = tracked(commits.durable('a'));
    await settle();
    expect(started).toHaveLength(1);
    // Committed while the first sync runs: that sync may not cover it.
    const second = tracked(commits.durable('b'));
    started[0]!.finish();
    await settle();
    expect(first.done).toBe(true);
    expect(second.done).toBe(false);
    expect(started).toHaveLength(2);
    started[1]!.finish();
    await settle();
    expect(second.done).toBe(true);
    expect(commits.syncCount).toBe(2);
  });

  it('lets every write committed during one sync share the next one', async () => {
    const { sync, started } = heldSyncs();
    const commits = new GroupCommit(sync);
    const first = commits.durable(0);
    await settle();
    const waiting = Array.from({ length: 8 }, (_, i) => commits.durable(i + 1));
    started[0]!.finish();
    await first;
    await settle();
    expect(started).toHaveLength(2);
    started[1]!.finish();
    expect(await Promise.all(waiting)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(commits.syncCount).toBe(2);
  });

  it('answers a read at once when nothing is unsynced, after the sync otherwise', async () => {
    const { sync, started } = heldSyncs();
    const commits = new GroupCommit(sync);
    expect(await commits.settled('clean')).toBe('clean');
    expect(started).toHaveLength(0);
    const write = commits.durable('w');
    const read = tracked(commits.settled('r'));
    await settle();
    expect(read.done).toBe(false);
    started[0]!.finish();
    await write;
    await settle();
    expect(read.done).toBe(true);
    expect(started).toHaveLength(1);
  });

  it('fails every waiting and later operation once a sync fails, and reports it once', async () => {
    const { sync, started } = heldSyncs();
    const reported: StoreDurabilityError[] = [];
    const commits = new GroupCommit(sync, (error) => reported.push(error));
    const write = tracked(commits.durable('a'));
    const read = tracked(commits.settled('r'));
    await settle();
    started[0]!.fail(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await settle();
    expect(write.failed).toBeInstanceOf(StoreDurabilityError);
    expect(read.failed).toBeInstanceOf(StoreDurabilityError);
    await expect(commits.durable('b')).rejects.toThrow(/syncing the database log failed.*EIO/);
    await expect(commits.settled('c')).rejects.toBeInstanceOf(StoreDurabilityError);
    expect(() => commits.throwIfFailed()).toThrow(StoreDurabilityError);
    // No retry: a second fsync could claim success for pages the kernel already dropped.
    expect(started).toHaveLength(1);
    expect(reported).toHaveLength(1);
  });

  it('drains the sync in flight', async () => {
    const { sync, started } = heldSyncs();
    const commits = new GroupCommit(sync);
    void commits.durable('a');
    await settle();
    const drained = tracked(commits.drain());
    await settle();
    expect(drained.done).toBe(false);
    started[0]!.finish();
    await settle();
    expect(drained.done).toBe(true);
  });
});
