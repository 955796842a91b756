import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withDirectoryLock } from '../../hardware/pki/atomic-files';
import { loadIssuerMasterKey } from '../../hardware/pki/pki-layout';
import { loadCardFile } from '../../hardware/virtual-card/card-file';

/**
 * Virtual cards for the PC/SC tests, issued by the test PKI through its CLI
 * (`npm run card -- issue ...`). Issuing costs seconds (two RSA keys), so each persona is issued
 * once into a shared template folder, and every test works on its own copy of the template.
 */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');
/** Test PKI and card templates, shared by the PC/SC test files (git-ignored). */
export const TEST_PKI_DIR = join(REPO_ROOT, 'scripts/build/pcsc-test-pki');
const TEMPLATES = join(TEST_PKI_DIR, 'cards');
/** Templates older than this are issued again (certificates are dated from issue). */
const TEMPLATE_MAX_AGE_MS = 24 * 60 * 60 * 1000;

const run = promisify(execFile);

/** A fresh copy of a persona's card in a temporary folder; the caller may change and delete it. */
export async function copyOfTestCard(persona: string): Promise<{ path: string; dispose(): void }> {
  const template = await testCardTemplate(persona);
  const dir = mkdtempSync(join(tmpdir(), `card-${persona}-`));
  const path = join(dir, 'card.json');
  copyFileSync(template, path);
  return { path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The issuer master key of the test PKI the cards come from (for reset cryptograms). */
export function testIssuerMasterKey(): Buffer {
  return loadIssuerMasterKey(TEST_PKI_DIR);
}

async function testCardTemplate(persona: string): Promise<string> {
  mkdirSync(TEMPLATES, { recursive: true });
  const template = join(TEMPLATES, `${persona}.json`);
  return withDirectoryLock(join(TEST_PKI_DIR, '.issuing'), async () => {
    if (isUsableTemplate(template)) return template;
    const issuedAt = Date.now();
    await run(
      TSX,
      ['hardware/cli/card-cli.ts', 'issue', '--persona', persona, '--out', template, '--data', TEST_PKI_DIR],
      {
        cwd: REPO_ROOT,
      },
    );
    writeFileSync(issuedAtPath(template), String(issuedAt));
    return template;
  });
}

const issuedAtPath = (template: string) => `${template}.issued-at`;

/**
 * A template is used while it was issued less than a day ago by this process's clock — not by the
 * file's time, which is the kernel's real time: the tests also run under libfaketime at other
 * hours, and a card issued "later" than now would have certificates not valid yet.
 */
function isUsableTemplate(path: string): boolean {
  try {
    const age = Date.now() - Number(readFileSync(issuedAtPath(path), 'utf8'));
    if (!(age >= 0 && age < TEMPLATE_MAX_AGE_MS)) return false;
    loadCardFile(path);
    return true;
  } catch {
    return false;
  }
}
