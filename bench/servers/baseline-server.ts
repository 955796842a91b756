import { join } from 'node:path';
import { serveBare } from './bare-server';

/**
 * The benchmark's baseline: a bare `node:http` server that parses a JSON body and makes ONE durable
 * SQLite insert per request (WAL, synchronous=FULL), then answers 201 with a small JSON body. No
 * framework, no validation, no crypto: the floor any API on this stack and disk can reach.
 * Usage: `node --import tsx baseline-server.ts DIR`; prints {"port":N}.
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: baseline-server.ts DIR');
serveBare(join(dir, 'baseline.sqlite'));
