import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one API instance (its own registry, so tests can build several apps).
 * Labels are bounded: route templates, procedures, error codes — never ids.
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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
