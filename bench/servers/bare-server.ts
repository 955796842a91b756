import { createServer, type IncomingHttpHeaders } from 'node:http';
import Database from 'better-sqlite3';

/** What a baseline's `accept` sees of a request: the parsed body and the request as received. */
export interface BareRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The exact body bytes. */
  raw: Buffer;
}

/**
 * The benchmark baselines' server: bare `node:http` that parses a JSON body, lets `accept` refuse
 * it (403), makes ONE durable SQLite insert (WAL, synchronous=FULL: an fsync per commit, what the
 * baseline stands for) and answers 201 with a small JSON body. Prints {"port":N} once it listens;
 * SIGTERM stops it.
 */
export function serveBare(
  databaseFile: string,
  accept: (body: unknown, request: BareRequest) => boolean = () => true,
): void {
  const db = new Database(databaseFile);
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
        const raw = Buffer.concat(chunks);
        const body = JSON.parse(raw.toString('utf8') || '{}') as unknown;
        const url = request.url ?? '/';
        if (!accept(body, { method: request.method ?? 'GET', url, headers: request.headers, raw })) {
          response.writeHead(403).end();
          return;
        }
        const { lastInsertRowid } = insert.run(url, JSON.stringify(body), Date.now());
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
}
