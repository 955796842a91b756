/**
 * Reads an `strace -f -y` log of the API process and checks the promise group commit makes:
 * every HTTP answer leaves only after an fdatasync/fsync of the WAL that STARTED AFTER the last
 * WAL write before it and FINISHED BEFORE the answer's first byte was written. That is what makes
 * an acknowledged write survive a power cut (the page cache alone does not); a SIGKILL test cannot
 * show it, the order of system calls can.
 */

export interface AckOrderReport {
  /** HTTP answers matching the filter, in order. */
  answers: number;
  /** Syncs of the WAL seen. */
  walSyncs: number;
  /** One line per answer that left before a covering sync finished. */
  violations: string[];
}

interface SyncSpan {
  start: number;
  end: number | undefined;
}

const SYNC_CALL = /^(\d+)\s+(fdatasync|fsync)\(\d+<([^>]*)>/;
const RESUMED = /^(\d+)\s+<\.\.\. (fdatasync|fsync|pwrite64|pwritev) resumed>/;
const WAL_WRITE = /^(\d+)\s+(pwrite64|pwritev)\(\d+<([^>]*)>/;
const SOCKET_WRITE = /^(\d+)\s+(write|writev)\(\d+<(socket:|TCP)[^>]*>,\s*(.*)$/;

/**
 * `answerPattern` picks the answers to check from the start of the written bytes (e.g. /HTTP\/1\.1 200/).
 * Lines are in the order strace wrote them, which is the order the calls entered and left the kernel.
 */
export function checkAckAfterSync(trace: string, walSuffix: string, answerPattern: RegExp): AckOrderReport {
  const lines = trace.split('\n');
  const openSyncs = new Map<string, SyncSpan>();
  const openWalWrites = new Set<string>();
  const syncs: SyncSpan[] = [];
  let lastWalWrite = -1;
  let answers = 0;
  const violations: string[] = [];

  lines.forEach((line, index) => {
    const resumed = RESUMED.exec(line);
    if (resumed) {
      const [, pid, call] = resumed;
      if (call === 'fdatasync' || call === 'fsync') {
        const span = openSyncs.get(pid!);
        if (span) {
          span.end = index;
          openSyncs.delete(pid!);
        }
      } else if (openWalWrites.delete(pid!)) {
        lastWalWrite = index;
      }
      return;
    }
    const sync = SYNC_CALL.exec(line);
    if (sync) {
      const [, pid, , path] = sync;
      if (!path!.endsWith(walSuffix)) return;
      const span: SyncSpan = { start: index, end: undefined };
      syncs.push(span);
      if (line.includes('<unfinished ...>')) openSyncs.set(pid!, span);
      else span.end = index;
      return;
    }
    const walWrite = WAL_WRITE.exec(line);
    if (walWrite) {
      const [, pid, , path] = walWrite;
      if (!path!.endsWith(walSuffix)) return;
      if (line.includes('<unfinished ...>')) openWalWrites.add(pid!);
      else lastWalWrite = index;
      return;
    }
    const answer = SOCKET_WRITE.exec(line);
    if (answer && answerPattern.test(answer[4]!)) {
      answers += 1;
      const covered = syncs.some(
        (span) => span.start > lastWalWrite && span.end !== undefined && span.end < index,
      );
      if (!covered) {
        violations.push(
          `answer #${answers} (trace line ${index + 1}) left before a sync of the WAL written at line ${lastWalWrite + 1}`,
        );
      }
    }
  });
  return { answers, walSyncs: syncs.length, violations };
}
