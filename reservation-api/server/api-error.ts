import { API_ERRORS, type ApiErrorCode, type ErrorBody } from '../contract';

/** A refusal with its stable code; the error handler turns it into `{code, message}` and its HTTP status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly statusCode: number;

  constructor(readonly code: ApiErrorCode) {
    super(API_ERRORS[code].message);
    this.statusCode = API_ERRORS[code].status;
  }

  get body(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** The value of a successful outcome, or throws its refusal as an ApiError. */
export function unwrap<T>(outcome: { ok: true; value: T } | { ok: false; code: ApiErrorCode }): T {
  if (!outcome.ok) throw new ApiError(outcome.code);
  return outcome.value;
}
