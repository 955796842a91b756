import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one API instance (its own registry, so tests can build several apps).
 * Names follow Prometheus conventions (`_total` counters, base units: seconds). Labels are bounded:
 * route templates (never raw URLs), procedures, error codes, fleet statuses, alert kinds, session
 * outcomes and causes — the one exception is `kiosk_id` on the last-heartbeat gauge, one series per
 * registered kiosk, removed when a kiosk is revoked.
 */
export class ApiMetrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly reservationsCreated = new Counter({
    name: 'reservation_api_reservations_created_total',
    help: 'Reservations created by phones, by procedure',
    labelNames: ['procedure'] as const,
    registers: [this.registry],
  });

  readonly refusals = new Counter({
    name: 'reservation_api_refusals_total',
    help: 'Requests refused, by operation and error code',
    labelNames: ['operation', 'code'] as const,
    registers: [this.registry],
  });

  readonly kioskOperations = new Counter({
    name: 'reservation_api_kiosk_operations_total',
    help: 'Kiosk lookups, claims, completions and releases that succeeded, by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly kioskLastHeartbeat = new Gauge({
    name: 'reservation_api_kiosk_last_heartbeat_timestamp_seconds',
    help: 'Server time of the latest heartbeat of each kiosk (Unix seconds)',
    labelNames: ['kiosk_id'] as const,
    registers: [this.registry],
  });

  readonly kiosks = new Gauge({
    name: 'reservation_api_kiosks',
    help: 'Registered kiosks by fleet status (online, stale, never-seen, revoked)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly openAlerts = new Gauge({
    name: 'reservation_api_alerts_open',
    help: 'Open operator alerts by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly alertsOpened = new Counter({
    name: 'reservation_api_alerts_opened_total',
    help: 'Operator alerts opened, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly kioskSessions = new Counter({
    name: 'reservation_api_kiosk_sessions_total',
    help: 'Kiosk sessions ended, by outcome and failure cause (customer error id, none or other)',
    labelNames: ['outcome', 'cause'] as const,
    registers: [this.registry],
  });

  readonly reservations = new Gauge({
    name: 'reservation_api_reservations',
    help: 'Reservations by status (as of the latest monitoring tick)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly opsStreamClients = new Gauge({
    name: 'reservation_api_ops_stream_clients',
    help: 'Operator dashboards connected to the live stream',
    registers: [this.registry],
  });

  readonly kioskFailures = new Counter({
    name: 'reservation_api_kiosk_session_failures_total',
    help: 'Failed kiosk sessions by failure class (customer, device, network, service)',
    labelNames: ['class'] as const,
    registers: [this.registry],
  });

  readonly funnel = new Gauge({
    name: 'reservation_api_funnel_reservations',
    help: 'Reservations made today (Japan time) by how far they got (stage: made, looked-up, verified, completed, expired-unused), procedure and chain of use',
    labelNames: ['stage', 'procedure', 'chain'] as const,
    registers: [this.registry],
  });

  readonly funnelConversion = new Gauge({
    name: 'reservation_api_funnel_conversion_ratio',
    help: 'Reservations made today (Japan time) that ended in a reset, as a share of those made, by procedure and chain of use',
    labelNames: ['procedure', 'chain'] as const,
    registers: [this.registry],
  });

  readonly kiosksInMaintenance = new Gauge({
    name: 'reservation_api_kiosks_in_maintenance',
    help: 'Kiosks an operator put out of service',
    registers: [this.registry],
  });

  readonly opsActions = new Counter({
    name: 'reservation_api_ops_actions_total',
    help: 'Operator remote actions on kiosks, by action',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
