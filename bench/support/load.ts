import { Agent, request } from 'node:http';
import { percentile } from './stats';

/** Result of a closed-loop load run. */
export interface LoadResult {
  /** Completed operations per second of wall time. */
  throughput: number;
  operations: number;
  wallMs: number;
  /** Latency of each operation, ms. */
  latencies: number[];
  p50: number;
  p99: number;
}

/**
 * Runs `operation(i)` for i = 0..count-1 with `concurrency` loops each starting the next as soon as
 * its previous one finished (closed loop), and measures each one. Rejections fail the run.
 */
export async function closedLoop(
  count: number,
  concurrency: number,
  operation: (index: number) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const started = performance.now();
      await operation(i);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - started;
  return {
    throughput: (count / wallMs) * 1000,
    operations: count,
    wallMs,
    latencies,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** A keep-alive HTTP client for JSON POSTs with at most `sockets` connections. */
export class JsonPoster {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    sockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  /** POSTs `body` (a JSON string) with any extra `headers`; resolves with the status and the response text. */
  post(
    path: string,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.baseUrl}${path}`,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
