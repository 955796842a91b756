import { Agent, request } from 'node:http';

/**
 * The fleet's HTTP client: keep-alive connections to every API URL, each request to the next URL in
 * turn (round-robin, as a load balancer spreads them). A URL whose connection failed (refused,
 * reset) is left out for `downForMs`, as a load balancer's health check would, then tried again.
 */

export interface FleetAnswer {
  /** HTTP status, or 0 when no answer came (see `failure`). */
  status: number;
  text: string;
  failure?: 'network' | 'timeout';
  url: string;
}

export interface FleetHttpOptions {
  urls: readonly string[];
  /** Open connections per URL at most (the API limits connections per client IP). */
  connectionsPerUrl: number;
  timeoutMs: number;
  downForMs: number;
}

interface Target {
  url: URL;
  agent: Agent;
  downUntil: number;
}

export class FleetHttp {
  private readonly targets: Target[];
  private next = 0;

  constructor(private readonly options: FleetHttpOptions) {
    this.targets = options.urls.map((url) => ({
      url: new URL(url.replace(/\/+$/, '')),
      agent: new Agent({ keepAlive: true, maxSockets: options.connectionsPerUrl, scheduling: 'lifo' }),
      downUntil: 0,
    }));
  }

  /** The base URL the next request goes to (skipping URLs marked down while another is up). */
  private pick(): Target {
    const now = performance.now();
    for (let tried = 0; tried < this.targets.length; tried += 1) {
      const target = this.targets[this.next++ % this.targets.length]!;
      if (target.downUntil <= now) return target;
    }
    return this.targets[this.next++ % this.targets.length]!;
  }

  /** POSTs a JSON body; never rejects (a failure is an answer with `failure`). */
  post(path: string, body: Buffer, headers: Record<string, string>): Promise<FleetAnswer> {
    const target = this.pick();
    const base = target.url.origin + target.url.pathname.replace(/\/$/, '');
    return new Promise((resolve) => {
      let settled = false;
      const settle = (answer: FleetAnswer) => {
        if (settled) return;
        settled = true;
        resolve(answer);
      };
      const req = request(
        `${base}${path}`,
        {
          method: 'POST',
          agent: target.agent,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': body.length,
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            settle({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), url: base }),
          );
          res.on('error', () => settle({ status: 0, text: '', failure: 'network', url: base }));
        },
      );
      req.setTimeout(this.options.timeoutMs, () => {
        req.destroy();
        settle({ status: 0, text: '', failure: 'timeout', url: base });
      });
      req.on('error', () => {
        target.downUntil = performance.now() + this.options.downForMs;
        settle({ status: 0, text: '', failure: 'network', url: base });
      });
      req.end(body);
    });
  }

  close(): void {
    for (const target of this.targets) target.agent.destroy();
  }
}
