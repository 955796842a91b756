import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcscReaderSource } from '../../hardware/pcsc/pcsc-reader-source';
import { loadCardFile } from '../../hardware/virtual-card/card-file';
import { leaseReaderPair, type ReaderLease } from '../support/pcsc-stack';
import { ReaderEventLog } from '../support/reader-events';
import { copyOfTestCard } from '../support/test-cards';
import { startVirtualCardProcess, type VirtualCardProcess } from '../support/virtual-card-process';

// Independent JPKI client software — OpenSC's `jpki` driver (Debian's opensc package) — must take our
// virtual card, attached through pcscd + vpcd, for a My Number Card: list its PINs and certificates.

interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

function tool(command: string, args: string[]): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let lease: ReaderLease;
let source: PcscReaderSource;
let jpkiReader: string;
let otherReader: string;
let healthyCardPath: string;
const cards: VirtualCardProcess[] = [];
const disposals: Array<() => void> = [];

beforeAll(async () => {
  lease = await leaseReaderPair();
  const [first, second] = lease.readers;
  if (!first || !second) throw new Error('a reader pair has two readers');
  [jpkiReader, otherReader] = [first.name, second.name];
  const names = new Set([jpkiReader, otherReader]);
  source = new PcscReaderSource({ readerFilter: (name) => names.has(name) });
  const log = new ReaderEventLog(source);
  source.start();

  const healthy = await copyOfTestCard('healthy');
  const nonJpki = await copyOfTestCard('non-jpki');
  disposals.push(healthy.dispose, nonJpki.dispose);
  healthyCardPath = healthy.path;
  const inserted = [jpkiReader, otherReader].map((name) =>
    log.waitFor((event) => event.type === 'card.inserted' && event.reader === name),
  );
  cards.push(
    startVirtualCardProcess(healthy.path, first.port),
    startVirtualCardProcess(nonJpki.path, second.port),
  );
  await Promise.all(inserted);
  // OpenSC opens its own PC/SC context; ours only watches.
}, 60_000);

afterAll(async () => {
  await Promise.all(cards.map((card) => card.stop()));
  await source?.stop();
  for (const dispose of disposals) dispose();
  lease?.release();
});

describe('OpenSC recognises the virtual card as a JPKI card', () => {
  it('opensc-tool lists the reader with a card in it, and names the card jpki', async () => {
    const readers = await tool('opensc-tool', ['--list-readers']);
    expect(readers.code).toBe(0);
    const line = readers.stdout.split('\n').find((row) => row.trimEnd().endsWith(jpkiReader));
    expect(line).toMatch(/^\d+\s+Yes\s/);
    const name = await tool('opensc-tool', ['--reader', jpkiReader, '--name']);
    expect(name).toMatchObject({ code: 0 });
    expect(name.stdout.trim()).toBe('jpki');
  });

  it('pkcs15-tool lists both PINs with their tries left', async () => {
    const pins = await tool('pkcs15-tool', ['--reader', jpkiReader, '--list-pins']);
    expect(pins.code).toBe(0);
    const blocks = pins.stdout.split(/\n\s*\n/).filter((block) => block.startsWith('PIN'));
    expect(blocks.map((block) => block.split('\n')[0])).toEqual([
      'PIN [User Authentication PIN]',
      'PIN [Digital Signature PIN]',
    ]);
    expect(blocks[0]).toMatch(/min_len:4, max_len:4/);
    expect(blocks[0]).toMatch(/Tries left\s*: 3/);
    expect(blocks[1]).toMatch(/min_len:6, max_len:16/);
    expect(blocks[1]).toMatch(/Tries left\s*: 5/);
  });

  it('pkcs15-tool lists the four certificates, and reads the auth certificate exactly as issued', async () => {
    const listed = await tool('pkcs15-tool', ['--reader', jpkiReader, '--list-certificates']);
    expect(listed.code).toBe(0);
    const titles = listed.stdout.split('\n').filter((row) => row.startsWith('X.509 Certificate'));
    expect(titles).toEqual([
      'X.509 Certificate [User Authentication Certificate]',
      'X.509 Certificate [Digital Signature Certificate]',
      'X.509 Certificate [User Authentication Certificate CA]',
      'X.509 Certificate [Digital Signature Certificate CA]',
    ]);
    const read = await tool('pkcs15-tool', ['--reader', jpkiReader, '--read-certificate', '01']);
    expect(read.code).toBe(0);
    const issued = Buffer.from(loadCardFile(healthyCardPath).jpki?.authCertificate ?? '', 'base64');
    expect(new X509Certificate(read.stdout).raw.equals(issued)).toBe(true);
  });

  it('a card without the JPKI application is not taken for one', async () => {
    const name = await tool('opensc-tool', ['--reader', otherReader, '--name']);
    expect(name.stdout.trim()).not.toBe('jpki');
    const pins = await tool('pkcs15-tool', ['--reader', otherReader, '--list-pins']);
    expect(pins.code).not.toBe(0);
  });
});
