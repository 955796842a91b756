import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CHAIN_IDS, CHAINS, OPERATOR_ROLES, type OperatorRole, resolvePrefecture } from '../contract';
import { hashToken, newId, newToken } from '../auth/tokens';
import { ApiError } from '../server/api-error';
import { exportAudit, parseTime } from './audit-command';
import { loadConfig } from '../server/config';
import { enrolKiosk } from '../services/kiosk-registry';
import { openReservationStore, type StoreLocation } from '../store/open-store';
import { migratePostgres } from '../store/postgres/migrate';
import { POSTGRES_MIGRATIONS } from '../store/postgres/migrations';
import { createPool, isPostgresUrl, redactedUrl } from '../store/postgres/pool';
import type { ReservationStore } from '../store/reservation-store';
import { SqliteReservationStore } from '../store/sqlite/sqlite-store';

/**
 * The operators' commands, working on the API's database directly (the API may be running: SQLite
 * WAL lets both write, one at a time; PostgreSQL settles races in the database).
 *
 *   npm run ops -- kiosk register --chain NAME --store ID [--prefecture 13|東京都] [--store-name NAME] --out FILE [--api URL] [--data DIR]
 *   npm run ops -- kiosk revoke ID [--data DIR]
 *   npm run ops -- kiosk list [--json] [--data DIR]
 *   npm run ops -- operator create --name NAME --role admin|viewer [--data DIR]
 *   npm run ops -- operator list [--json] [--data DIR]
 *   npm run ops -- operator revoke --name NAME [--data DIR]
 *   npm run ops -- audit [--reservation ID] [--kiosk ID] [--from TIME] [--to TIME] [--data DIR]
 *   npm run ops -- db migrate [--database FILE|URL] [--data DIR]
 */

export const OPS_USAGE = `usage:
  npm run ops -- kiosk register --chain NAME --store ID [--prefecture 13|東京都] [--store-name NAME] --out FILE [--api URL] [--data DIR]
      registers a kiosk and writes its credentials (id, Ed25519 private key) to FILE for
      \`npm run kiosk -- --credentials FILE\`; the chain decides the procedures offered:
${CHAIN_IDS.map((id) => `        ${CHAINS[id].name.padEnd(13)} ${CHAINS[id].procedures.join(', ')}`).join('\n')}
  npm run ops -- kiosk revoke ID [--data DIR]
  npm run ops -- kiosk list [--json] [--data DIR]
  npm run ops -- operator create --name NAME --role admin|viewer [--data DIR]
      prints the operator's token once (only its hash is stored)
  npm run ops -- operator list [--json] [--data DIR]
      every operator: name, role, created at, revoked or not, open dashboard logins
  npm run ops -- operator revoke --name NAME [--data DIR]
      the operator's token is refused from now on and its dashboard logins end (open live
      streams close at the API's next keep-alive ping)
  npm run ops -- audit [--reservation ID] [--kiosk ID] [--from TIME] [--to TIME] [--data DIR]
      the audit trail as JSON lines (one entry per line, oldest first): everything about one
      reservation, or one kiosk over a period; TIME is epoch ms or ISO 8601 (2026-11-23T00:00+09:00)
  npm run ops -- db migrate [--database FILE|postgres://…] [--data DIR]
      brings the database's schema up to date (the API also does at start); on PostgreSQL under
      an advisory lock, so it is safe while instances start

  --data DIR      the API's data directory (default ./data); --database FILE overrides the SQLite file
  --database postgres://USER@HOST:PORT/DB   the PostgreSQL store instead (also RESERVATION_API_DATABASE_URL)`;

class UsageError extends Error {}

/** Where a command writes: stdout lines and stderr lines. */
export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

interface Options {
  data?: string;
  database?: string;
  chain?: string;
  store?: string;
  prefecture?: string;
  'store-name'?: string;
  out?: string;
  api?: string;
  name?: string;
  role?: string;
  json?: boolean;
  reservation?: string;
  kiosk?: string;
  from?: string;
  to?: string;
}

/** The API's database as these options and the environment name it (as the API itself reads them). */
function storeLocation(options: Options): StoreLocation {
  const database = options.database ?? process.env['RESERVATION_API_DATABASE'];
  if (database && isPostgresUrl(database)) return { database, databaseUrl: database };
  const databaseUrl = process.env['RESERVATION_API_DATABASE_URL'] || undefined;
  return {
    database:
      database ??
      join(
        resolve(options.data ?? process.env['RESERVATION_API_DATA_DIR'] ?? './data'),
        'reservation-api.sqlite',
      ),
    databaseUrl,
  };
}

function openStore(options: Options): Promise<ReservationStore> {
  return openReservationStore(storeLocation(options));
}

/** `db migrate`: brings the schema up to date, for those who migrate before starting the API. */
async function dbMigrate(options: Options, io: CommandOutput): Promise<void> {
  const location = storeLocation(options);
  if (location.databaseUrl) {
    const pool = createPool(location.databaseUrl, { max: 1 });
    try {
      const applied = await migratePostgres(pool);
      io.out(
        `${redactedUrl(location.databaseUrl)}: applied ${applied} migration(s); schema at version ${POSTGRES_MIGRATIONS.at(-1)?.version ?? 0}`,
      );
    } finally {
      await pool.end();
    }
    return;
  }
  // Opening the SQLite file migrates it (each step in its own IMMEDIATE transaction).
  const store = SqliteReservationStore.open(location.database);
  try {
    const version = store.database.pragma('user_version', { simple: true }) as number;
    io.out(`${location.database}: schema at version ${version}`);
  } finally {
    await store.close();
  }
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`missing ${flag}`);
  return value;
}

async function kioskRegister(options: Options, io: CommandOutput): Promise<void> {
  const chain = required(options.chain, '--chain NAME');
  const storeId = required(options.store, '--store ID');
  const out = required(options.out, '--out FILE');
  if (existsSync(out)) throw new UsageError(`${out} exists: choose another --out or remove it`);
  const prefecture = options.prefecture === undefined ? undefined : resolvePrefecture(options.prefecture);
  if (options.prefecture !== undefined && !prefecture) {
    throw new UsageError(
      `unknown prefecture ${options.prefecture}: a JIS code 01–47 or a name (東京都, Tokyo)`,
    );
  }
  const store = await openStore(options);
  try {
    const credentials = await enrolKiosk(store, {
      chain,
      storeId,
      prefecture,
      storeName: options['store-name'],
      actor: 'operator:cli',
      now: Date.now(),
      ...(options.api ? { apiUrl: options.api } : {}),
    });
    // The private key leaves this process only in this file, readable by its owner alone.
    writeFileSync(out, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    io.out(
      `registered kiosk ${credentials.kioskId} (${CHAINS[credentials.chain as keyof typeof CHAINS].name}, store ${storeId}, ${credentials.procedures.join(' + ')})`,
    );
    io.out(`credentials written to ${resolve(out)}`);
  } finally {
    await store.close();
  }
}

async function kioskRevoke(id: string | undefined, options: Options, io: CommandOutput): Promise<void> {
  const kioskId = required(id, 'the kiosk ID');
  const store = await openStore(options);
  try {
    const revoked = await store.revokeKiosk({ kioskId, actor: 'operator:cli', now: Date.now() });
    if (!revoked.ok) throw new ApiError(revoked.code);
    io.out(`kiosk ${kioskId} revoked at ${new Date(revoked.value.revokedAt ?? 0).toISOString()}`);
  } finally {
    await store.close();
  }
}

async function kioskList(options: Options, io: CommandOutput): Promise<void> {
  const store = await openStore(options);
  try {
    const kiosks = await store.listKiosks();
    if (options.json) {
      io.out(
        JSON.stringify(
          kiosks.map(({ publicKey: _key, ...kiosk }) => kiosk),
          null,
          2,
        ),
      );
      return;
    }
    if (kiosks.length === 0) io.out('no kiosks registered');
    for (const kiosk of kiosks) {
      const state = kiosk.revokedAt ? 'REVOKED' : (kiosk.lastHeartbeat?.state ?? 'never seen');
      const seen = kiosk.lastHeartbeat ? new Date(kiosk.lastHeartbeat.receivedAt).toISOString() : '-';
      io.out(
        `${kiosk.id.padEnd(36)} ${kiosk.chain.padEnd(13)} store ${kiosk.storeId.padEnd(10)} ${kiosk.procedures.join('+').padEnd(23)} ${state.padEnd(14)} last seen ${seen}`,
      );
    }
  } finally {
    await store.close();
  }
}

async function operatorCreate(options: Options, io: CommandOutput): Promise<void> {
  const name = required(options.name, '--name NAME');
  const role = required(options.role, '--role admin|viewer');
  if (!(OPERATOR_ROLES as readonly string[]).includes(role))
    throw new UsageError('--role must be admin or viewer');
  const token = newToken();
  const store = await openStore(options);
  try {
    const created = await store.createOperator({
      id: newId('op'),
      name,
      role: role as OperatorRole,
      createdAt: Date.now(),
      tokenHash: hashToken(token),
      actor: 'operator:cli',
    });
    if (!created.ok) throw new ApiError(created.code);
    io.out(`operator ${name} (${role}) created. Token (shown once, keep it secret):`);
    io.out(token);
  } finally {
    await store.close();
  }
}

async function operatorList(options: Options, io: CommandOutput): Promise<void> {
  // Open logins as the API counts them: its idle timeout comes from the same configuration.
  const { opsSessionIdleMs } = loadConfig().policy;
  const now = Date.now();
  const store = await openStore(options);
  try {
    const operators = await store.ops.listOperators({ now, idleBefore: now - opsSessionIdleMs });
    if (options.json) {
      io.out(JSON.stringify(operators, null, 2));
      return;
    }
    if (operators.length === 0) {
      io.out('no operators');
      return;
    }
    const rows = operators.map((operator) => [
      operator.name,
      operator.role,
      new Date(operator.createdAt).toISOString(),
      operator.revoked ? 'REVOKED' : 'active',
      String(operator.openLogins),
    ]);
    for (const line of table(['NAME', 'ROLE', 'CREATED AT', 'STATUS', 'OPEN LOGINS'], rows)) io.out(line);
  } finally {
    await store.close();
  }
}

/** Left-aligned columns, each as wide as its widest cell, two spaces apart. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows].map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

async function operatorRevoke(options: Options, io: CommandOutput): Promise<void> {
  const name = required(options.name, '--name NAME');
  const store = await openStore(options);
  try {
    const revoked = await store.ops.revokeOperator({ name, actor: 'operator:cli', now: Date.now() });
    if (!revoked) throw new Error(`no operator named ${name}`);
    io.out(`operator ${name} revoked: token refused, ${revoked.sessionsEnded} login session(s) ended`);
  } finally {
    await store.close();
  }
}

async function audit(options: Options, io: CommandOutput): Promise<void> {
  let criteria;
  try {
    criteria = {
      ...(options.reservation ? { reservationId: options.reservation } : {}),
      ...(options.kiosk ? { kioskId: options.kiosk } : {}),
      ...withTime('from', parseTime(options.from, '--from')),
      ...withTime('to', parseTime(options.to, '--to')),
    };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const store = await openStore(options);
  try {
    const count = await exportAudit(store, criteria, (line) => io.out(line));
    io.err(`${count} audit entr${count === 1 ? 'y' : 'ies'}`);
  } finally {
    await store.close();
  }
}

function withTime(key: 'from' | 'to', at: number | undefined): { from?: number; to?: number } {
  return at === undefined ? {} : { [key]: at };
}

async function dispatch(argv: string[], io: CommandOutput): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      database: { type: 'string' },
      chain: { type: 'string' },
      store: { type: 'string' },
      prefecture: { type: 'string' },
      'store-name': { type: 'string' },
      out: { type: 'string' },
      api: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      json: { type: 'boolean' },
      reservation: { type: 'string' },
      kiosk: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(OPS_USAGE);
    return;
  }
  const [noun, verb, argument] = positionals;
  if (noun === 'audit' && verb === undefined) return audit(values, io);
  const command = `${noun ?? ''} ${verb ?? ''}`;
  switch (command) {
    case 'kiosk register':
      return kioskRegister(values, io);
    case 'kiosk revoke':
      return kioskRevoke(argument, values, io);
    case 'kiosk list':
      return kioskList(values, io);
    case 'operator create':
      return operatorCreate(values, io);
    case 'operator list':
      return operatorList(values, io);
    case 'operator revoke':
      return operatorRevoke(values, io);
    case 'db migrate':
      return dbMigrate(values, io);
    default:
      throw new UsageError(command.trim() ? `unknown command: ${command.trim()}` : 'no command');
  }
}

/** Runs one ops command; returns the exit code (0 done, 1 refused or failed, 2 usage). */
export async function runOps(argv: string[], io: CommandOutput): Promise<number> {
  try {
    await dispatch(argv, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\n\n${OPS_USAGE}`);
      return 2;
    }
    if (error instanceof ApiError) {
      io.err(`refused: ${error.code} — ${error.message}`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      io.err(
        `${(error as NodeJS.ErrnoException).path ?? 'the output file'} exists: choose another --out or remove it`,
      );
      return 1;
    }
    io.err(`ops failed: ${(error as Error).message}`);
    return 1;
  }
}
