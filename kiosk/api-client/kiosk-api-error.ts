import { type ApiErrorCode, isApiErrorCode } from '../../reservation-api/contract';

/** Failures that never reached a well-formed API answer. */
export type TransportFailureCode = 'NETWORK_ERROR' | 'TIMEOUT' | 'ABORTED' | 'BAD_RESPONSE';

/**
 * Every failed kiosk API call, typed: an API refusal carries the API's stable code and HTTP status;
 * a transport failure carries one of the TransportFailureCode values. Messages never contain
 * request data.
 */
export class KioskApiError extends Error {
  override readonly name = 'KioskApiError';

  constructor(
    readonly code: ApiErrorCode | TransportFailureCode,
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** True when the same call may succeed later (network, timeout, 5xx, rate limit): worth an outbox retry. */
  get retriable(): boolean {
    if (this.code === 'NETWORK_ERROR' || this.code === 'TIMEOUT' || this.code === 'RATE_LIMITED') return true;
    return this.status !== undefined && this.status >= 500;
  }

  /** True when the API answered with this code. */
  is(code: ApiErrorCode): boolean {
    return this.code === code;
  }
}

/** The API error of an HTTP error answer, or BAD_RESPONSE when the body is not an API error. */
export function errorFromAnswer(status: number, body: unknown): KioskApiError {
  if (typeof body === 'object' && body !== null) {
    const { code, message } = body as { code?: unknown; message?: unknown };
    if (isApiErrorCode(code)) {
      return new KioskApiError(code, typeof message === 'string' ? message : code, status);
    }
  }
  return new KioskApiError('BAD_RESPONSE', `the API answered HTTP ${status} without an error code`, status);
}
