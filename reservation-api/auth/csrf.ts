import type { FastifyRequest } from 'fastify';
import { OPS_CSRF_HEADER, OPS_CSRF_HEADER_VALUE } from '../contract';

/**
 * Cross-site request forgery defence for cookie-authenticated operator requests, on top of the
 * cookie's SameSite=Strict: the request must carry `X-Ops-Request: 1` — a custom header that a
 * cross-site page can only send after a CORS preflight, which this API never grants — and the
 * browser's own provenance headers, when sent, must say same-origin: `Origin` equal to this
 * server's origin, `Sec-Fetch-Site` `same-origin` (or `none`: typed by the user).
 */
export function isSameOriginIntent(request: FastifyRequest): boolean {
  if (request.headers[OPS_CSRF_HEADER] !== OPS_CSRF_HEADER_VALUE) return false;
  const { origin } = request.headers;
  if (origin !== undefined && origin !== `${request.protocol}://${request.host}`) return false;
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}
