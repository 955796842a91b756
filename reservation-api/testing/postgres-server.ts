import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PostgreSQL server for tests: Debian's binaries, a cluster initialised in a temporary
 * directory, trust authentication on 127.0.0.1 and a socket in that directory, a free port. Never a
 * system service; `stop()` shuts it down and removes the directory. initdb refuses to run as root,
 * so as root every command runs as the `postgres` user (`runuser`), which owns the directory.
 */

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres — the maintenance database, to create others. */
  adminUrl: string;
  port: number;
  /** Stops the server, keeping its directory (tests of an outage): `immediate` is a crash. */
  halt(mode: 'fast' | 'immediate'): void;
  /** Starts a halted server again on the same port and data. */
  restart(): void;
  /** Fast shutdown, then the directory removed. Idempotent. */
  stop(): void;
}

/** Where Debian puts the binaries (the newest major installed), or undefined when there are none. */
export function postgresBinDir(): string | undefined {
  const override = process.env['POSTGRES_BIN_DIR'];
  if (override) return existsSync(join(override, 'initdb')) ? override : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], 'bin');
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresUnavailableReason(): string | undefined {
  if (postgresBinDir()) return undefined;
  const override = process.env['POSTGRES_BIN_DIR'];
  if (override) return `POSTGRES_BIN_DIR=${override} holds no initdb: point it at PostgreSQL's bin directory`;
  return (
    'PostgreSQL binaries not found (no /usr/lib/postgresql/*/bin/initdb, POSTGRES_BIN_DIR unset): ' +
    'install them with `bash scripts/ensure-system-deps.sh` (Debian package postgresql)'
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function asPostgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(postgresUnavailableReason());
  const owner = asPostgresUser();
  const run = (tool: string, args: string[]) => {
    const [command, argv] = owner
      ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) {
      throw new Error(
        `${tool} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`,
      );
    }
  };
  const dir = mkdtempSync(join(tmpdir(), 'pg-test-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  let started = false;
  let options = '';
  const start = () => {
    run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start']);
    started = true;
  };
  const halt = (mode: 'fast' | 'immediate') => {
    if (!started) return;
    started = false;
    run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  };
  const stop = () => {
    try {
      halt('fast');
    } catch {
      // Already gone: nothing to stop.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // -N: no fsync while initialising a throwaway cluster; the server itself runs with fsync on.
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '-N']);
    const port = await freePort();
    options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300`;
    start();
    return {
      adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      halt,
      restart: start,
      stop,
    };
  } catch (error) {
    stop();
    throw error;
  }
}
