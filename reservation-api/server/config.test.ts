import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';
import { DEFAULT_POLICY } from './policy';

const dir = mkdtempSync(join(tmpdir(), 'config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('defaults to 127.0.0.1:8080 over ./data with the design policy', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: resolve('./data'),
      database: resolve('./data/reservation-api.sqlite'),
      faceJwks: resolve('./data/face-provider/jwks.json'),
    });
    expect(config.policy).toEqual(DEFAULT_POLICY);
  });

  it('layers file ← environment ← flags', () => {
    const file = join(dir, 'api.json');
    writeFileSync(file, JSON.stringify({ port: 9000, faceScoreThreshold: 0.95, dataDir: dir }));
    const config = loadConfig({
      configFile: file,
      env: { RESERVATION_API_PORT: '9100', RESERVATION_API_TRUST_PROXY: 'true' },
      flags: { port: '9200' },
    });
    expect(config.port).toBe(9200);
    expect(config.trustProxy).toBe(true);
    expect(config.policy.faceScoreThreshold).toBe(0.95);
    expect(config.database).toBe(join(dir, 'reservation-api.sqlite'));
  });

  it('selects PostgreSQL by --database postgres://… or RESERVATION_API_DATABASE_URL, SQLite otherwise', () => {
    expect(loadConfig({ env: {} }).databaseUrl).toBeUndefined();
    const url = 'postgres://api@db.internal:5432/jpki';
    expect(loadConfig({ env: {}, flags: { database: url } })).toMatchObject({
      databaseUrl: url,
      database: resolve('./data/reservation-api.sqlite'),
    });
    expect(loadConfig({ env: { RESERVATION_API_DATABASE_URL: url } }).databaseUrl).toBe(url);
    expect(loadConfig({ env: {}, flags: { database: join(dir, 'x.sqlite') } })).toMatchObject({
      databaseUrl: undefined,
      database: join(dir, 'x.sqlite'),
    });
    const problem = problemsOf(() =>
      loadConfig({ env: { RESERVATION_API_DATABASE_URL: 'mysql://api:s3cret@db/x' } }),
    );
    expect(problem).toContain('RESERVATION_API_DATABASE_URL="mysql://api:***@db/x"');
    expect(problem).not.toContain('s3cret');
  });

  it('names every bad value and where it came from', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ port: 'eighty', colour: 'blue' }));
    const message = problemsOf(() =>
      loadConfig({
        configFile: file,
        env: { RESERVATION_API_FACE_SCORE_THRESHOLD: '1.5', RESERVATION_API_LOG_LEVEL: 'loud' },
        flags: { port: '70000' },
      }),
    );
    expect(message).toContain(`config file ${file}: port must be an integer in 0..65535`);
    expect(message).toContain(`config file ${file}: colour is not a setting`);
    expect(message).toContain('RESERVATION_API_FACE_SCORE_THRESHOLD="1.5": must be a number in 0..1');
    expect(message).toContain('RESERVATION_API_LOG_LEVEL="loud": must be one of fatal, error, warn, info');
    expect(message).toContain('--port "70000": must be an integer in 0..65535');
  });

  it('says so when the config file is not JSON', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ port: ');
    expect(problemsOf(() => loadConfig({ configFile: file, env: {} }))).toContain(`config file ${file}:`);
  });
});
