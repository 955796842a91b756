/** Every endpoint's path, so the server, the kiosk client and the phone simulator cannot drift. */
export const API_PATHS = {
  phoneChallenge: '/v1/phone/challenge',
  reservations: '/v1/reservations',
  reservation: '/v1/reservations/:reservationId',
  kioskChallenge: '/v1/kiosk/challenge',
  kioskReservationCheck: '/v1/kiosk/reservation-check',
  kioskLookup: '/v1/kiosk/lookup',
  kioskClaim: '/v1/kiosk/claim',
  kioskComplete: '/v1/kiosk/complete',
  kioskRelease: '/v1/kiosk/release',
  kioskHeartbeat: '/v1/kiosk/heartbeat',
  kioskEvents: '/v1/kiosk/events',
  opsWhoAmI: '/v1/ops/whoami',
  opsKiosks: '/v1/ops/kiosks',
  /** POST (admin): register up to MAX_KIOSKS_PER_BATCH kiosks at once, all or none. */
  opsKiosksBatch: '/v1/ops/kiosks/batch',
  opsKioskRevoke: '/v1/ops/kiosks/:kioskId/revoke',
  opsAudit: '/v1/ops/audit',
  /** Audit search as JSON lines (application/x-ndjson), for export. */
  opsAuditExport: '/v1/ops/audit/export',
  /** Audit search: one reservation, one kiosk, a period (JSON). */
  opsAuditSearch: '/v1/ops/audit/search',
  opsKioskPage: '/v1/ops/kiosks/:kioskId/page',
  opsKioskOutOfService: '/v1/ops/kiosks/:kioskId/out-of-service',
  opsKioskInService: '/v1/ops/kiosks/:kioskId/in-service',
  opsKioskSelfTest: '/v1/ops/kiosks/:kioskId/self-test',
  opsKioskCredentials: '/v1/ops/kiosks/:kioskId/credentials',
  opsFunnel: '/v1/ops/funnel',
  /** POST: log in (name + token → session cookie); DELETE: log out. */
  opsSession: '/v1/ops/session',
  opsFleet: '/v1/ops/fleet',
  opsFleetSummary: '/v1/ops/fleet/summary',
  opsFleetKiosks: '/v1/ops/fleet/kiosks',
  opsAlerts: '/v1/ops/alerts',
  opsAlertAcknowledge: '/v1/ops/alerts/:alertId/acknowledge',
  opsStats: '/v1/ops/stats',
  opsSessionSeries: '/v1/ops/stats/sessions',
  /** Server-Sent Events (text/event-stream) for the dashboard. */
  opsStream: '/v1/ops/stream',
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
  openapi: '/openapi.json',
} as const;

/** A path with its `:param` segments filled in (values URL-encoded). */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}
