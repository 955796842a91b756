import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { API_PATHS, LogoutResponse, OperatorLoginRequest, OperatorSessionResponse } from '../contract';
import type { OperatorLogin } from '../auth/operator-login';
import { noStore } from './ops-common';
import { responses } from './schemas';

export interface OpsSessionRoutesOptions {
  login: OperatorLogin;
  /** Login attempts per client IP per minute. */
  loginsPerMinute: number;
  /** Told the hash of a session that logged out, so its live streams end. */
  onLogout: (sessionHash: string) => void;
}

/** Dashboard login (name + operator token → HttpOnly session cookie) and logout. */
export const opsSessionRoutes: FastifyPluginAsyncTypebox<OpsSessionRoutesOptions> = async (app, options) => {
  noStore(app);

  app.post(
    API_PATHS.opsSession,
    {
      config: { rateLimit: { max: options.loginsPerMinute, timeWindow: 60_000 } },
      schema: {
        tags: ['ops'],
        summary: 'Log in to the dashboard: operator name and token → session cookie (ops_session)',
        description:
          'Needs the header X-Ops-Request: 1 (and a same-origin Origin when sent). Sets an HttpOnly, SameSite=Strict cookie; Secure over HTTPS.',
        body: OperatorLoginRequest,
        response: responses(200, OperatorSessionResponse),
      },
    },
    async (request, reply) => options.login.login(request, reply, request.body),
  );

  app.delete(
    API_PATHS.opsSession,
    {
      schema: {
        tags: ['ops'],
        summary: 'Log out: ends the session and clears its cookie (needs X-Ops-Request: 1)',
        response: responses(200, LogoutResponse),
      },
    },
    async (request, reply) => {
      const sessionHash = await options.login.logout(request, reply);
      if (sessionHash !== null) options.onLogout(sessionHash);
      return { loggedOut: true as const };
    },
  );
};
