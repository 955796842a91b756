import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCardCli } from '../cli/card-cli';
import { loadCardFile, parseCardFile } from '../virtual-card/card-file';
import { PERSONAS } from './personas';
import { loadIssuerMasterKey, loadTrustAnchors, pkiPaths } from './pki-layout';
import { deriveCardResetKey } from '../jpki/reset-crypto';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI the way operators do, as its own process. */
function spawnCli(args: string[]): Promise<Run> {
  return new Promise((resolvePromise) => {
    execFile(
      'npx',
      ['tsx', 'hardware/cli/card-cli.ts', ...args],
      { cwd: repoRoot },
      (error, stdout, stderr) => {
        resolvePromise({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs the CLI in this process (same code path, without the process start-up cost). */
async function runInProcess(args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCardCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

let dir: string;
let dataDir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'card-cli-'));
  dataDir = join(dir, 'data');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Process start-up (npx + tsx) and RSA key generation are slow on a loaded machine.
describe('npm run card, as a process', { timeout: 60_000 }, () => {
  it('issues a card into a file, creating the PKI in the data directory', async () => {
    const out = join(dir, 'taro.json');
    const run = await spawnCli([
      'issue',
      '--persona',
      'sign-pin-blocked',
      '--out',
      out,
      '--auth-pin',
      '9876',
      '--data',
      dataDir,
    ]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const card = parseCardFile(readFileSync(out, 'utf8'));
    expect(card.persona).toBe('sign-pin-blocked');
    expect(card.jpki?.authPin.value).toBe('9876');
    expect(card.jpki?.signPin).toMatchObject({ value: 'ABC123', triesLeft: 0 });
    expect(run.stdout).toContain(card.jpki!.tokenSerial);
    expect(run.stdout).not.toContain('9876');
    expect(existsSync(pkiPaths(dataDir).ca.auth.crl)).toBe(true);
    expect(existsSync(pkiPaths(dataDir).masterKey)).toBe(true);
  });

  it('two processes issuing into a fresh data directory at once end up with one PKI and master key', async () => {
    const fresh = join(dir, 'race-data');
    const outs = [join(dir, 'race-a.json'), join(dir, 'race-b.json')];
    const runs = await Promise.all(
      outs.map((out) => spawnCli(['issue', '--persona', 'healthy', '--out', out, '--data', fresh])),
    );
    expect(runs.map((run) => run.code)).toEqual([0, 0]);
    const anchors = loadTrustAnchors(fresh);
    const masterKey = loadIssuerMasterKey(fresh);
    for (const out of outs) {
      const jpki = loadCardFile(out).jpki!;
      expect(jpki.authCaCertificate).toBe(Buffer.from(anchors.authCa.rawData).toString('base64'));
      expect(jpki.signCaCertificate).toBe(Buffer.from(anchors.signCa.rawData).toString('base64'));
      expect(jpki.resetKey).toBe(deriveCardResetKey(masterKey, jpki.tokenSerial).toString('hex'));
    }
  });

  it('lists every persona with its description', async () => {
    const run = await spawnCli(['--list']);
    expect(run.code).toBe(0);
    for (const persona of PERSONAS) expect(run.stdout).toContain(`${persona.name} `);
    expect(run.stdout).toContain('署名用パスワードがロック');
  });

  it('refuses an unknown persona with a message and a non-zero exit, writing nothing', async () => {
    const out = join(dir, 'nobody.json');
    const run = await spawnCli(['issue', '--persona', 'nobody', '--out', out, '--data', dataDir]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('unknown persona "nobody"');
    expect(existsSync(out)).toBe(false);
  });
});

describe('npm run card, arguments', () => {
  it('refuses malformed PINs without repeating them', async () => {
    const out = join(dir, 'bad-pin.json');
    const auth = await runInProcess(['issue', '--persona', 'healthy', '--out', out, '--auth-pin', '12x4']);
    expect(auth.code).toBe(2);
    expect(auth.stderr).toContain('--auth-pin must be exactly 4 digits');
    expect(auth.stderr).not.toContain('12x4');
    const sign = await runInProcess(['issue', '--persona', 'healthy', '--out', out, '--sign-pin', 'abc123']);
    expect(sign.code).toBe(2);
    expect(sign.stderr).toContain('--sign-pin');
    expect(sign.stderr).not.toContain('abc123');
    expect(existsSync(out)).toBe(false);
  });

  it('explains missing and unknown arguments', async () => {
    expect(await runInProcess(['issue', '--persona', 'healthy'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--out'),
    });
    expect(await runInProcess(['issue', '--out', 'x.json'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--persona'),
    });
    expect(
      await runInProcess(['issue', '--persona', 'healthy', '--out', join(dir, 'no-such-dir', 'x.json')]),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('does not exist'),
    });
    expect(await runInProcess(['--colour'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--colour'),
    });
    expect(await runInProcess([])).toMatchObject({ code: 2, stderr: expect.stringContaining('usage') });
    expect(await runInProcess(['burn'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command "burn"'),
    });
  });

  it('shows a card: persona, serial, counters, certificates — never the PIN values', async () => {
    const path = join(dir, 'shown.json');
    expect(
      (await runInProcess(['issue', '--persona', 'auth-pin-1-try', '--out', path, '--data', dataDir])).code,
    ).toBe(0);
    // Distinctive PIN values that nothing else in the output could contain by chance.
    const card = loadCardFile(path);
    card.jpki!.authPin.value = 'AUTHPINMARKER';
    card.jpki!.signPin.value = 'SIGNPINMARKER';
    writeFileSync(path, JSON.stringify(card));
    const run = await runInProcess(['show', '--card', path]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('auth-pin-1-try');
    expect(run.stdout).toContain(card.jpki!.tokenSerial);
    expect(run.stdout).toMatch(/auth PIN\s+1\/3 tries left/);
    expect(run.stdout).toMatch(/sign PIN\s+5\/5 tries left/);
    expect(run.stdout).toMatch(/auth cert\s+C=JP, CN=[0-9A-Z]{23}/);
    expect(run.stdout).toContain('14:59:59.000Z');
    expect(run.stdout).not.toContain('MARKER');
    expect(run.stdout).not.toContain(card.jpki!.resetKey);
  });

  it('shows a non-JPKI card and refuses a file that is not a card', async () => {
    const path = join(dir, 'other.json');
    expect(
      (await runInProcess(['issue', '--persona', 'non-jpki', '--out', path, '--data', dataDir])).code,
    ).toBe(0);
    expect((await runInProcess(['show', '--card', path])).stdout).toContain('not a My Number Card');
    const notCard = join(dir, 'not-a-card.json');
    writeFileSync(notCard, '{"hello":1}');
    const run = await runInProcess(['show', '--card', notCard]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not a virtual card');
  });
});
