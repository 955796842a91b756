/**
 * Group commit: durable writes without an fsync per transaction on the event loop.
 *
 * The connection commits with synchronous=NORMAL (the commit is in the WAL, not yet on disk). A
 * store operation that wrote something resolves only after a sync of the WAL that *started after
 * its commit* has finished, so "the promise resolved" still means "it survives a power cut", as it
 * did with synchronous=FULL. The sync runs in libuv's thread pool, not on the event loop, and every
 * commit made while one sync runs shares the next one: eight concurrent requests cost one or two
 * fsyncs instead of eight sequential ones. Reads wait too while an unsynced write exists, so no
 * answer reports a fact that a crash could still take back.
 *
 * After a failed sync nothing is known about what reached the disk (retrying fsync can report
 * success for pages the kernel already dropped), so the failure is permanent: every later
 * operation is refused with StoreDurabilityError and the health check fails until a restart lets
 * SQLite recover from the WAL.
 */
export class GroupCommit {
  /** Writes committed so far, and how many of them a finished sync covers. */
  private written = 0;
  private synced = 0;
  private running: Promise<void> | undefined;
  private failure: StoreDurabilityError | undefined;
  private syncs = 0;

  constructor(
    private readonly syncToDisk: () => Promise<void>,
    /** Told once, at the first failed sync (the API process exits so it restarts and recovers). */
    private readonly onFailure: (error: StoreDurabilityError) => void = () => {},
  ) {}

  /** Resolves with `value` once the write just committed is on disk. */
  async durable<T>(value: T): Promise<T> {
    this.written += 1;
    await this.untilSynced(this.written);
    return value;
  }

  /** Resolves with `value` (read) once every write committed before it is on disk. */
  async settled<T>(value: T): Promise<T> {
    this.throwIfFailed();
    if (this.synced < this.written) await this.untilSynced(this.written);
    return value;
  }

  /** Throws if a sync ever failed (the store's health check). */
  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Waits for the sync in flight, if any (before closing the file it syncs). */
  async drain(): Promise<void> {
    await this.running?.catch(() => {});
  }

  /** Syncs done so far (tests, benchmark notes). */
  get syncCount(): number {
    return this.syncs;
  }

  private async untilSynced(target: number): Promise<void> {
    while (this.synced < target) {
      this.throwIfFailed();
      this.running ??= this.syncOnce().finally(() => {
        this.running = undefined;
      });
      await this.running;
    }
    this.throwIfFailed();
  }

  private async syncOnce(): Promise<void> {
    // Everything committed up to now; commits made while the sync runs wait for the next one.
    const covers = this.written;
    try {
      await this.syncToDisk();
      this.syncs += 1;
      this.synced = Math.max(this.synced, covers);
    } catch (error) {
      if (this.failure) return;
      this.failure = new StoreDurabilityError(
        `syncing the database log failed; writes since the last sync may be lost: ${(error as Error).message}`,
        { cause: error },
      );
      this.onFailure(this.failure);
    }
  }
}

/** The database could not be made durable; the API must restart (SQLite then recovers the WAL). */
export class StoreDurabilityError extends Error {
  override readonly name = 'StoreDurabilityError';
}
