/**
 * Whether an error from node-postgres means "the database cannot be reached right now" rather than
 * "this statement is wrong": no connection (refused, reset, timed out), the server shutting down or
 * starting up, or out of connection slots. The API answers those 503 SERVICE_UNAVAILABLE — nothing
 * was acknowledged, so clients (kiosks with their outbox) retry — instead of 500.
 */

/** SQLSTATE classes and codes of an unreachable or unavailable server. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
// node-postgres reports these without a code.
const DRIVER_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || NETWORK_CODES.has(code)) return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return DRIVER_MESSAGES.some((message) => error.message.includes(message));
}
