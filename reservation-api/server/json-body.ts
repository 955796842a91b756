import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact body bytes as received (kiosk signatures cover their Content-Digest). */
    rawBody?: Buffer;
  }
}

/**
 * Accepts only `application/json` bodies (anything else is 415), keeps the raw bytes beside the
 * parsed value, and parses with Fastify's own prototype-poisoning-safe JSON parser.
 */
export function acceptJsonBodiesOnly(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    request.rawBody = bytes;
    parseJson(request, bytes.toString('utf8'), done);
  });
}
