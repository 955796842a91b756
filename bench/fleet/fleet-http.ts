import { Agent, request } from 'node:http';

/**
 * The fleet's HTTP client: keep-alive connections to every API URL, each request to the next URL in
 * turn (round-robin, as a load balancer spreads them). A URL whose connection failed (refused,
 * reset) is left out, as a load balancer does, until its /healthz answers 200 again (probed every
 * `probeEveryMs`): a dead instance costs the requests in flight when it died, not one per probe.
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
  probeEveryMs: number;
}

interface Target {
  url: URL;
  agent: Agent;
  down: boolean;
  probe: NodeJS.Timeout | undefined;
}

export class FleetHttp {
  private readonly targets: Target[];
  private next = 0;

  constructor(private readonly options: FleetHttpOptions) {
    this.targets = options.urls.map((url) => ({
      url: new URL(url.replace(/\/+$/, '')),
      agent: new Agent({ keepAlive: true, maxSockets: options.connectionsPerUrl, scheduling: 'lifo' }),
      down: false,
      probe: undefined,
    }));
  }

  /** The URL the next request goes to (skipping URLs marked down while another is up). */
  private pick(): Target {
    for (let tried = 0; tried < this.targets.length; tried += 1) {
      const target = this.targets[this.next++ % this.targets.length]!;
      if (!target.down) return target;
    }
    return this.targets[this.next++ % this.targets.length]!;
  }

  /** Leaves `target` out until its health check passes. */
  private markDown(target: Target): void {
    if (target.down || this.targets.length === 1) return;
    target.down = true;
    target.probe = setInterval(() => {
      const probe = request(`${target.url.origin}/healthz`, {
        method: 'GET',
        timeout: this.options.probeEveryMs,
      });
      probe.on('response', (res) => {
        res.resume();
        if (res.statusCode === 200 && target.down) {
          target.down = false;
          clearInterval(target.probe);
        }
      });
      probe.on('timeout', () => probe.destroy());
      probe.on('error', () => {});
      probe.end();
    }, this.options.probeEveryMs);
  }

  /** URLs left out now (their instance stopped answering). */
  get downUrls(): string[] {
    return this.targets.filter((target) => target.down).map((target) => target.url.origin);
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
        this.markDown(target);
        settle({ status: 0, text: '', failure: 'network', url: base });
      });
      req.end(body);
    });
  }

  close(): void {
    for (const target of this.targets) {
      clearInterval(target.probe);
      target.agent.destroy();
    }
  }
}
