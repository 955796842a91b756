import type {
  AlertListResponse,
  FleetAlert,
  FleetSummaryResponse,
  KioskListPageResponse,
  OperatorSessionResponse,
  OPS_CSRF_HEADER,
  OPS_CSRF_HEADER_VALUE,
  OpsStatsResponse,
  SessionSeriesResponse,
  WhoAmIResponse,
} from '../../contract/admin';
import type { FunnelResponse, KioskControlView, KioskPageResponse } from '../../contract/ops-kiosk';
import { API_PATHS, fillPath } from '../../contract/paths';

/**
 * The dashboard's calls to the operator API, on the same origin. The session cookie is HttpOnly:
 * the browser adds it, page scripts never see it. State-changing calls carry the CSRF header the
 * API requires (docs/operators.md). Values are restated here (type-checked against the contract) so
 * the bundle does not pull in the schema library.
 */

const CSRF_HEADER: typeof OPS_CSRF_HEADER = 'x-ops-request';
const CSRF_VALUE: typeof OPS_CSRF_HEADER_VALUE = '1';

/** A refused or failed call: the HTTP status and the API's error code (`NETWORK` when unreachable). */
export class OpsApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`operator API: ${status} ${code}`);
    this.name = 'OpsApiError';
  }

  /** The session is gone (or never was): show the login form. */
  get unauthenticated(): boolean {
    return this.status === 401;
  }
}

export type SeriesBucket = 'minute' | 'hour';

export class OpsApi {
  async login(name: string, token: string): Promise<OperatorSessionResponse> {
    return this.send<OperatorSessionResponse>('POST', API_PATHS.opsSession, { name, token });
  }

  async logout(): Promise<void> {
    await this.send('DELETE', API_PATHS.opsSession);
  }

  whoami(): Promise<WhoAmIResponse> {
    return this.send('GET', API_PATHS.opsWhoAmI);
  }

  summary(): Promise<FleetSummaryResponse> {
    return this.send('GET', API_PATHS.opsFleetSummary);
  }

  /** One page of the kiosk table (`query`: pageQueryString). */
  kiosks(query: string): Promise<KioskListPageResponse> {
    return this.send('GET', `${API_PATHS.opsFleetKiosks}?${query}`);
  }

  alerts(): Promise<AlertListResponse> {
    return this.send('GET', `${API_PATHS.opsAlerts}?state=all`);
  }

  stats(): Promise<OpsStatsResponse> {
    return this.send('GET', API_PATHS.opsStats);
  }

  sessions(bucket: SeriesBucket, points: number): Promise<SessionSeriesResponse> {
    return this.send('GET', `${API_PATHS.opsSessionSeries}?bucket=${bucket}&points=${points}`);
  }

  kioskPage(kioskId: string): Promise<KioskPageResponse> {
    return this.send('GET', fillPath(API_PATHS.opsKioskPage, { kioskId }));
  }

  outOfService(kioskId: string, reason: string): Promise<KioskControlView> {
    return this.send('POST', fillPath(API_PATHS.opsKioskOutOfService, { kioskId }), { reason });
  }

  inService(kioskId: string): Promise<KioskControlView> {
    return this.send('POST', fillPath(API_PATHS.opsKioskInService, { kioskId }), {});
  }

  selfTest(kioskId: string): Promise<KioskControlView> {
    return this.send('POST', fillPath(API_PATHS.opsKioskSelfTest, { kioskId }), {});
  }

  funnel(): Promise<FunnelResponse> {
    return this.send('GET', API_PATHS.opsFunnel);
  }

  acknowledge(alertId: string): Promise<FleetAlert> {
    return this.send('POST', fillPath(API_PATHS.opsAlertAcknowledge, { alertId }), {});
  }

  private async send<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method !== 'GET') headers[CSRF_HEADER] = CSRF_VALUE;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        credentials: 'same-origin',
        cache: 'no-store',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new OpsApiError(0, 'NETWORK');
    }
    const payload: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const code = (payload as { code?: unknown } | undefined)?.code;
      throw new OpsApiError(response.status, typeof code === 'string' ? code : 'UNKNOWN');
    }
    return payload as T;
  }
}
