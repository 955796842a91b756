import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_ERRORS, type ApiErrorCode, type ErrorBody } from '../contract';
import { isDatabaseUnavailable } from '../store/postgres/unavailable';
import { StoreDurabilityError } from '../store/sqlite/group-commit';
import { ApiError } from './api-error';

/**
 * Every failure becomes `{code, message}` with the table's status: refusals (ApiError), schema
 * validation, body parsing (malformed JSON, wrong content type, too large), unknown routes. Only a
 * genuine bug is a 500, and it is logged without request data.
 */

const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

/** Where a validation failure is, when the path is plain enough to repeat (never a value). */
const SAFE_PATH = /^[A-Za-z0-9/_-]{0,80}$/;

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { code, body } = classify(error);
    if (API_ERRORS[code].status >= 500) {
      request.log.error(
        { err: { type: error.name, code: error.code, stack: error.stack } },
        'request failed',
      );
    }
    void reply.status(API_ERRORS[code].status).send(body);
  });

  app.setNotFoundHandler((_request, reply) => {
    void reply.status(404).send(errorOf('ROUTE_NOT_FOUND'));
  });
}

/**
 * For Fastify's `frameworkErrors` option: what Fastify refuses before routing (a path that is not
 * valid percent-encoding, FST_ERR_BAD_URL) answers `{code, message}` like every other refusal.
 */
export function answerFrameworkError(
  _error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  void reply.status(API_ERRORS.VALIDATION_FAILED.status).send(errorOf('VALIDATION_FAILED'));
}

/**
 * For Fastify's `clientErrorHandler` option: a request Node's HTTP parser refuses (a bad header
 * byte, a garbage request line, Content-Length beside Transfer-Encoding, headers over the size
 * limit) is answered `{code, message}` too, then the connection is closed. Nothing of the request
 * is repeated or logged.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorOf('VALIDATION_FAILED'));
  socket.end(
    `HTTP/1.1 ${API_ERRORS.VALIDATION_FAILED.status} Bad Request\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function classify(error: FastifyError): { code: ApiErrorCode; body: ErrorBody } {
  if (error instanceof ApiError) return { code: error.code, body: error.body };
  // The disk refused a sync: nothing is acknowledged; clients retry once the API has restarted.
  if (error instanceof StoreDurabilityError)
    return { code: 'SERVICE_UNAVAILABLE', body: errorOf('SERVICE_UNAVAILABLE') };
  // PostgreSQL cannot be reached: nothing was acknowledged; clients retry (the pool reconnects).
  if (isDatabaseUnavailable(error))
    return { code: 'SERVICE_UNAVAILABLE', body: errorOf('SERVICE_UNAVAILABLE') };
  if (error.validation) {
    const first = error.validation[0];
    const where = `${error.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
    const problem = first?.keyword === 'boolean' ? 'not allowed' : `fails ${first?.keyword ?? 'the schema'}`;
    const base = API_ERRORS.VALIDATION_FAILED.message.replace(/\.$/, '');
    const message = first && SAFE_PATH.test(where) ? `${base}: ${where} ${problem}.` : `${base}.`;
    return { code: 'VALIDATION_FAILED', body: { code: 'VALIDATION_FAILED', message } };
  }
  const mapped = error.code === undefined ? undefined : FASTIFY_CODES[error.code];
  if (mapped) return { code: mapped, body: errorOf(mapped) };
  if (error.statusCode === 429) return { code: 'RATE_LIMITED', body: errorOf('RATE_LIMITED') };
  if (error.statusCode === 413) return { code: 'BODY_TOO_LARGE', body: errorOf('BODY_TOO_LARGE') };
  if (error.statusCode === 415)
    return { code: 'UNSUPPORTED_MEDIA_TYPE', body: errorOf('UNSUPPORTED_MEDIA_TYPE') };
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return { code: 'VALIDATION_FAILED', body: errorOf('VALIDATION_FAILED') };
  }
  return { code: 'INTERNAL_ERROR', body: errorOf('INTERNAL_ERROR') };
}

function errorOf(code: ApiErrorCode): ErrorBody {
  return { code, message: API_ERRORS[code].message };
}
