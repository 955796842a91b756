import type { FastifyInstance } from 'fastify';

/** The OpenAPI security of ops endpoints: the bearer token (CLI) or the session cookie (dashboard). */
export const opsSecurity: Record<string, string[]>[] = [{ operatorToken: [] }, { operatorSession: [] }];

/** Operator answers are never cached by browsers or proxies (they describe the fleet right now). */
export function noStore(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });
}
