import { createServer } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The benchmark's baseline: a bare `node:http` server that parses a JSON body and makes ONE durable
 * SQLite insert per request (WAL, synchronous=FULL, like the reservation API), then answers 201
 * with a small JSON body. No framework, no validation, no crypto: the floor any API on this stack
 * and disk can reach. Usage: `node --import tsx baseline-server.ts DIR`; prints {"port":N}.
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: baseline-server.ts DIR');
const db = new Database(join(dir, 'baseline.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(
  'CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, path TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL)',
);
const insert = db.prepare('INSERT INTO requests (path, body, at) VALUES (?, ?, ?)');

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
      const { lastInsertRowid } = insert.run(request.url ?? '/', JSON.stringify(body), Date.now());
      const payload = JSON.stringify({ id: String(lastInsertRowid) });
      response.writeHead(201, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      });
      response.end(payload);
    } catch {
      response.writeHead(400).end();
    }
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
  db.close();
  process.exit(0);
});
