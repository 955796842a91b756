import { createServer } from 'node:http';
import pg from 'pg';

/**
 * The PostgreSQL baseline: bare `node:http` that parses a JSON body, makes ONE durable insert
 * (PostgreSQL's default synchronous_commit: the commit waits for its WAL flush) through a `pg`
 * pool of the API's size, and answers 201 with a small JSON body. No framework, validation or
 * crypto: the floor any API on this stack, database and disk can reach.
 * Usage: `node --import tsx postgres-baseline-server.ts DATABASE_URL`; prints {"port":N}.
 */
const url = process.argv[2];
if (!url) throw new Error('usage: postgres-baseline-server.ts DATABASE_URL');
const pool = new pg.Pool({ connectionString: url, max: 10 });
await pool.query(
  'CREATE TABLE IF NOT EXISTS baseline_requests (id BIGSERIAL PRIMARY KEY, path TEXT NOT NULL, body TEXT NOT NULL, at BIGINT NOT NULL)',
);

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      response.writeHead(400).end();
      return;
    }
    pool
      .query<{ id: string }>(
        'INSERT INTO baseline_requests (path, body, at) VALUES ($1, $2, $3) RETURNING id',
        [request.url ?? '/', JSON.stringify(body), Date.now()],
      )
      .then(({ rows }) => {
        const payload = JSON.stringify({ id: rows[0]?.id });
        response.writeHead(201, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        });
        response.end(payload);
      })
      .catch(() => response.writeHead(500).end());
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
