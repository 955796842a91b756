import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hashToken, newId, newToken } from '../../reservation-api/auth/tokens';
import { type KioskCredentials, parseKioskCredentials } from '../../reservation-api/contract';
import { enrolKiosk } from '../../reservation-api/services/kiosk-registry';
import type { ReservationStore } from '../../reservation-api/store/reservation-store';

/**
 * The demo's accounts, created on the first `npm start` and kept in the data directory: a kiosk
 * registered for a chain that offers both procedures, and an admin operator. Their secrets (the
 * kiosk's private key, the operator's token) live in files readable by the owner only, like the
 * files `npm run ops` writes; a demo prints the operator token at every start, a deployment never.
 */

/** The demo kiosk's chain offers both procedures (signature-pin and auth-pin). */
export const DEMO_CHAIN = 'seven-eleven';
export const DEMO_STORE_ID = 'DEMO-001';
export const DEMO_OPERATOR_NAME = 'demo-admin';

export function demoKioskCredentialsPath(dataDir: string): string {
  return join(dataDir, 'demo', 'kiosk-credentials.json');
}

export function demoOperatorPath(dataDir: string): string {
  return join(dataDir, 'demo', 'operator.json');
}

function writeSecretFile(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

/**
 * The demo kiosk's credentials: read from the data directory, or registered now when missing or
 * no longer valid in this store (a deleted database, a revoked kiosk).
 */
export async function ensureDemoKiosk(
  store: ReservationStore,
  dataDir: string,
  now: number,
): Promise<KioskCredentials> {
  const path = demoKioskCredentialsPath(dataDir);
  if (existsSync(path)) {
    const credentials = parseKioskCredentials(readFileSync(path, 'utf8'), path);
    const kiosk = await store.getKiosk(credentials.kioskId);
    if (kiosk && kiosk.revokedAt === null) return credentials;
  }
  const credentials = await enrolKiosk(store, {
    chain: DEMO_CHAIN,
    storeId: DEMO_STORE_ID,
    actor: 'demo:npm-start',
    now,
  });
  writeSecretFile(path, credentials);
  return credentials;
}

export interface DemoOperator {
  name: string;
  role: 'admin';
  /** Bearer token for the operator endpoints and the dashboard's login. */
  token: string;
}

/** The demo admin operator: read from the data directory, or created now when missing or unknown to this store. */
export async function ensureDemoOperator(
  store: ReservationStore,
  dataDir: string,
  now: number,
): Promise<DemoOperator> {
  const path = demoOperatorPath(dataDir);
  if (existsSync(path)) {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Partial<DemoOperator>;
    if (typeof saved.token === 'string' && (await store.operatorByTokenHash(hashToken(saved.token)))) {
      return { name: saved.name ?? DEMO_OPERATOR_NAME, role: 'admin', token: saved.token };
    }
  }
  // Names are unique: if the saved file was lost, the old demo operator keeps its name.
  for (const name of [DEMO_OPERATOR_NAME, `${DEMO_OPERATOR_NAME}-${randomBytes(2).toString('hex')}`]) {
    const operator: DemoOperator = { name, role: 'admin', token: newToken() };
    const created = await store.createOperator({
      id: newId('op'),
      name,
      role: operator.role,
      createdAt: now,
      tokenHash: hashToken(operator.token),
      actor: 'demo:npm-start',
    });
    if (!created.ok) continue;
    writeSecretFile(path, operator);
    return operator;
  }
  throw new Error('could not create the demo operator');
}
