import type { FleetHttp } from './fleet-http';
import type { FleetKiosk } from './fleet-kiosks';
import type { FleetStats, RequestKind } from './fleet-stats';
import { signFleetRequest } from './fast-signer';

/**
 * One request of the fleet, timed and counted: signed as the kiosk when one is given (RFC 9421),
 * plain for the phone's. Resolves with the parsed JSON of a 2xx answer, or undefined (the failure
 * is counted by status).
 */
export class FleetRequests {
  constructor(
    private readonly http: FleetHttp,
    private readonly stats: FleetStats,
    /** The fleet's clock, epoch ms (signature `created`). */
    readonly now: () => number,
  ) {}

  async post<T>(
    kind: RequestKind,
    path: string,
    payload: unknown,
    kiosk?: FleetKiosk,
  ): Promise<T | undefined> {
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    const headers = kiosk
      ? signFleetRequest({
          kioskId: kiosk.kioskId,
          privateKey: kiosk.privateKey,
          path,
          body,
          now: this.now(),
        })
      : {};
    const started = performance.now();
    const answer = await this.http.post(path, body, headers);
    const latency = performance.now() - started;
    if (answer.status >= 200 && answer.status < 300) {
      this.stats.ok(kind, latency);
      return JSON.parse(answer.text) as T;
    }
    if (answer.failure) this.stats.error(kind, answer.failure);
    else this.stats.error(kind, statusOf(answer.status, answer.text), latency);
    return undefined;
  }
}

/** `503 SERVICE_UNAVAILABLE`: the status with the API's error code when the body has one. */
function statusOf(status: number, text: string): string {
  try {
    const { code } = JSON.parse(text) as { code?: unknown };
    return typeof code === 'string' ? `${status} ${code}` : String(status);
  } catch {
    return String(status);
  }
}
