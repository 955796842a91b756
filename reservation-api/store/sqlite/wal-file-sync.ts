import { constants, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Syncs a WAL-mode database's log file (`<file>-wal`) from libuv's thread pool with fdatasync,
 * through a handle of its own. The sync acts on the file, not the descriptor, so it makes durable
 * every frame SQLite wrote through its own descriptor before the call — what synchronous=FULL does
 * at each commit, minus the commit-time wait on the event loop. fdatasync, not fsync (which this
 * build of SQLite calls): the data and the file size are what recovery needs; the log is rewritten
 * in place after checkpoints, and fsync's extra timestamp flush cost a journal commit per sync.
 *
 * Safe next to SQLite's locking: SQLite takes no POSIX lock on the -wal file (its locks live on the
 * database and -shm files), so opening and closing a second descriptor here cannot drop one. The
 * log keeps its inode while the connection is open (SQLite rewinds it after a checkpoint, it does
 * not replace it); should that ever change, the handle is reopened.
 */
export class WalFileSync {
  private handle: FileHandle | undefined;
  private inode: number | undefined;
  private readonly walPath: string;

  constructor(databaseFile: string) {
    this.walPath = `${databaseFile}-wal`;
  }

  readonly sync = async (): Promise<void> => {
    // A synchronous stat (a few µs, metadata in the kernel's cache) costs the event loop less than
    // a promise-based one's round trip through the thread pool.
    const current = statSync(this.walPath);
    if (this.handle === undefined || current.ino !== this.inode) await this.reopen();
    await this.handle!.datasync();
  };

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async reopen(): Promise<void> {
    await this.close();
    this.handle = await open(this.walPath, constants.O_RDONLY);
    this.inode = (await this.handle.stat()).ino;
    // The log's directory entry, once per file: a log that exists only in the page cache's idea of
    // the directory would be as lost as its frames.
    const directory = await open(dirname(this.walPath), constants.O_RDONLY);
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }
}
