import { describe, expect, it } from 'vitest';
import { checkAckAfterSync } from './ack-after-sync';

/** The strace reader on made-up traces, so the real test's verdict can be trusted both ways. */

const WAL = '/data/api.sqlite-wal';
const write = (pid: number) => `${pid} pwrite64(20<${WAL}>, "\\0\\0"..., 4120, 32) = 4120`;
const answer = (pid: number, status = 200) =>
  `${pid} writev(31<socket:[1084063]>, [{iov_base="HTTP/1.1 ${status} OK\\r\\ncontent-type: "..., iov_len=402}], 1) = 402`;
const check = (...lines: string[]) => checkAckAfterSync(lines.join('\n'), '-wal', /HTTP\/1\.1 200/);

describe('checkAckAfterSync', () => {
  it('accepts an answer after a sync that started after the write and ended before the answer', () => {
    const report = check(
      write(10),
      `11 fdatasync(23<${WAL}> <unfinished ...>`,
      `10 epoll_wait(...) = 0`,
      `11 <... fdatasync resumed>) = 0`,
      answer(10),
    );
    expect(report).toEqual({ answers: 1, walSyncs: 1, violations: [] });
  });

  it('refuses an answer whose sync was still running', () => {
    const report = check(
      write(10),
      `11 fdatasync(23<${WAL}> <unfinished ...>`,
      answer(10),
      `11 <... fdatasync resumed>) = 0`,
    );
    expect(report.violations).toHaveLength(1);
  });

  it('refuses an answer covered only by a sync that started before the write', () => {
    const report = check(
      `11 fdatasync(23<${WAL}> <unfinished ...>`,
      write(10),
      `11 <... fdatasync resumed>) = 0`,
      answer(10),
    );
    expect(report.violations).toHaveLength(1);
  });

  it('refuses an answer with no sync at all, and ignores syncs of other files and other answers', () => {
    const report = check(write(10), `10 fdatasync(21</data/api.sqlite>) = 0`, answer(10, 404), answer(10));
    expect(report).toMatchObject({ answers: 1, walSyncs: 0 });
    expect(report.violations).toHaveLength(1);
  });

  it('counts a write that finished on a resumed line', () => {
    const report = check(
      `10 fdatasync(23<${WAL}>) = 0`,
      `12 pwrite64(20<${WAL}>, "\\0"..., 4120, 32 <unfinished ...>`,
      `12 <... pwrite64 resumed>) = 4120`,
      answer(10),
    );
    expect(report.violations).toHaveLength(1);
  });
});
