import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOps } from '../../reservation-api/admin/ops-commands';
import { POSTGRES_MIGRATIONS } from '../../reservation-api/store/postgres/migrations';
import {
  createTestDatabase,
  postgresUnavailable,
  type TestDatabase,
} from '../../reservation-api/testing/postgres-database';

/**
 * The command lines on PostgreSQL: `npm run ops -- db migrate --database URL` and the other ops
 * commands on that database (in-process, as their bin file runs them), and two `npm run api --
 * --database URL` processes started at once on a fresh database (real processes: both migrate
 * under the advisory lock, both answer, neither logs the password).
 */

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const unavailable = postgresUnavailable();

async function ops(...args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runOps(args, { out: (line) => stdout.push(line), err: (line) => stderr.push(line) });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** The URL with a password: trust authentication ignores it, the logs must not show it. */
function withPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = 'not-for-logs';
  return parsed.toString();
}

function startApi(url: string, dataDir: string) {
  const child = spawn(
    TSX,
    ['reservation-api/server/main.ts', '--port', '0', '--data', dataDir, '--database', url],
    {
      cwd: ROOT,
    },
  );
  let seen = '';
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /Reservation API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${seen}`)));
  });
  return { child, listening, output: () => seen };
}

function stopped(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

describe('command lines on PostgreSQL', () => {
  if (unavailable) {
    // Never skipped in silence: a run without PostgreSQL fails here, saying what to install.
    it('has a PostgreSQL to run on', () => {
      throw new Error(unavailable);
    });
    return;
  }

  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it('npm run ops -- db migrate migrates once; the other ops commands work on the same database', async () => {
    const url = withPassword(database.url);
    const first = await ops('db', 'migrate', '--database', url);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(`applied ${POSTGRES_MIGRATIONS.length} migration(s)`);
    expect(first.stdout).not.toContain('not-for-logs');
    expect((await ops('db', 'migrate', '--database', url)).stdout).toContain('applied 0 migration(s)');

    const created = await ops('operator', 'create', '--name', 'hanako', '--role', 'admin', '--database', url);
    expect(created.code).toBe(0);
    const listed = await ops('operator', 'list', '--json', '--database', url);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: 'hanako', role: 'admin', revoked: false }]);
    expect(
      (await ops('operator', 'create', '--name', 'hanako', '--role', 'viewer', '--database', url)).stderr,
    ).toContain('OPERATOR_EXISTS');
  });

  it('two npm run api processes started together on a fresh database both serve; the schema is migrated once', async () => {
    const fresh = await createTestDatabase();
    const dirs = [mkdtempSync(join(tmpdir(), 'api-pg-a-')), mkdtempSync(join(tmpdir(), 'api-pg-b-'))];
    const apis = dirs.map((dir) => startApi(withPassword(fresh.url), dir));
    try {
      const urls = await Promise.all(apis.map((api) => api.listening));
      for (const url of urls) expect((await axios.get(`${url}/readyz`)).data).toEqual({ status: 'ready' });
      for (const api of apis) {
        expect(api.output()).toContain('postgres://postgres:***@127.0.0.1');
        expect(api.output()).not.toContain('not-for-logs');
      }
      const client = new pg.Client({ connectionString: fresh.url });
      await client.connect();
      try {
        const versions = await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM schema_migrations',
        );
        expect(versions.rows).toEqual([{ n: POSTGRES_MIGRATIONS.length }]);
      } finally {
        await client.end();
      }
      for (const api of apis) api.child.kill('SIGTERM');
      expect(await Promise.all(apis.map((api) => stopped(api.child)))).toEqual([0, 0]);
    } finally {
      for (const api of apis) if (api.child.exitCode === null) api.child.kill('SIGKILL');
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      await fresh.drop();
    }
  });
});
