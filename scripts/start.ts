import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { saveCardFile } from '../hardware/virtual-card/card-file';
import { openTestPki } from '../hardware/pki/test-pki';

/**
 * `npm start` — the product as far as it is built: the reservation API on SQLite under ./data, with
 * demo virtual cards issued from the test PKI so step 1 can be tried at once. The kiosk and the
 * operator dashboard join here as they land (issues 4–6).
 */

const DEMO_PERSONAS = ['sign-pin-blocked', 'healthy', 'auth-pin-blocked'] as const;

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8080' }, data: { type: 'string', default: 'data' } },
  strict: true,
});
const dataDir = resolve(values.data);
const apiUrl = `http://127.0.0.1:${values.port}`;

async function issueDemoCards(): Promise<string[]> {
  const cardDir = join(dataDir, 'demo-cards');
  mkdirSync(cardDir, { recursive: true });
  const pki = await openTestPki({ dataDir });
  const paths: string[] = [];
  for (const persona of DEMO_PERSONAS) {
    const path = join(cardDir, `${persona}.json`);
    if (!existsSync(path)) saveCardFile(path, await pki.issueCard({ persona }));
    paths.push(path);
  }
  return paths;
}

const cards = await issueDemoCards();
const api = spawn(
  process.execPath,
  ['--import', 'tsx', 'reservation-api/server/main.ts', '--port', values.port, '--data', dataDir],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let announced = false;
api.stdout.setEncoding('utf8');
api.stdout.on('data', (chunk: string) => {
  if (announced || !chunk.includes('Reservation API listening')) return;
  announced = true;
  console.log(`Reservation API: ${apiUrl}  (OpenAPI: ${apiUrl}/openapi.json)`);
  console.log(`Demo cards (auth PIN 1234, signature PIN ABC123):\n${cards.map((c) => `  ${c}`).join('\n')}`);
  console.log(
    `Step 1 for the blocked card:\n  npm run phone -- reserve --card ${cards[0]} --pin 1234 --procedure signature-pin --api ${apiUrl}`,
  );
  console.log('Kiosk UI and operator dashboard: not part of this build yet. Ctrl-C stops everything.');
});
const stop = () => api.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
api.on('exit', (code) => process.exit(code ?? 0));
