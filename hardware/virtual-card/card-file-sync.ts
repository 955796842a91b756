import { statSync } from 'node:fs';
import { type CardFile, loadCardFile, saveCardFile } from './card-file';

/**
 * Keeps a virtual card and its file in step when more than one process uses the same card (the
 * kiosk's card attached to vpcd, the phone simulator): saves atomically, and tells the card when
 * someone else has written the file since, so a stale copy never overwrites newer counters.
 */
export class CardFileSync {
  /** Identity of the file version last loaded or saved here (inode, mtime, size). */
  private seen: string | undefined;

  constructor(readonly path: string) {}

  /** Reads the card file (throws `CardFileError` if it is not one). */
  load(): CardFile {
    const version = this.version();
    const card = loadCardFile(this.path);
    this.seen = version;
    return card;
  }

  /** Writes the card atomically and remembers that version as our own. */
  save(card: CardFile): void {
    saveCardFile(this.path, card);
    this.seen = this.version();
  }

  /** The file's content when another writer changed it since, else undefined (also when unreadable). */
  changedElsewhere(): CardFile | undefined {
    const version = this.version();
    if (version === undefined || version === this.seen) return undefined;
    try {
      const card = loadCardFile(this.path);
      this.seen = version;
      return card;
    } catch {
      // A half-copied or invalid file: keep the state we have, look again next time.
      return undefined;
    }
  }

  private version(): string | undefined {
    try {
      // saveCardFile renames a new file into place, so every save changes the inode too.
      const stats = statSync(this.path, { bigint: true });
      return `${stats.ino}:${stats.mtimeNs}:${stats.size}`;
    } catch {
      return undefined;
    }
  }
}
