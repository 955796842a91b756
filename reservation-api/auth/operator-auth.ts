// Types of request.cookies / reply.setCookie (the plugin is registered in server/app.ts).
import type {} from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { OPS_SESSION_COOKIE, type OperatorRole } from '../contract';
import { ApiError } from '../server/api-error';
import type { ApiPolicy } from '../server/policy';
import type { OperatorRecord, ReservationStore } from '../store/reservation-store';
import { isSameOriginIntent } from './csrf';
import { bearerToken, hashToken } from './tokens';

/** What each role may do: viewers read, admins also change. */
const ROLE_RANK: Record<OperatorRole, number> = { viewer: 1, admin: 2 };

/** Methods that change nothing (no CSRF check needed for them). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthenticatedOperator {
  operator: OperatorRecord;
  /** The login session's hash when the cookie authenticated the request; null for a bearer token. */
  sessionHash: string | null;
  /** The bearer token's hash when the header authenticated the request; null for the cookie. */
  tokenHash: string | null;
}

export type SessionPolicy = Pick<ApiPolicy, 'opsSessionIdleMs' | 'opsSessionMaxMs'>;

/**
 * Who is calling an ops endpoint: `Authorization: Bearer <operator token>` (the CLI) or the
 * dashboard's `ops_session` cookie. A bearer header, when present, is the only credential looked
 * at. Cookie requests that change state must also pass the CSRF check (docs/operators.md).
 */
export class OperatorAuthenticator {
  constructor(
    private readonly store: ReservationStore,
    private readonly now: () => number,
    private readonly policy: SessionPolicy,
  ) {}

  /** The operator behind the request, with at least `role`; else OPERATOR_UNAUTHENTICATED / _CSRF_REJECTED / _FORBIDDEN. */
  async authenticate(request: FastifyRequest, role: OperatorRole): Promise<AuthenticatedOperator> {
    const authenticated = await this.identify(request);
    if (!authenticated) throw new ApiError('OPERATOR_UNAUTHENTICATED');
    if (authenticated.sessionHash !== null && !SAFE_METHODS.has(request.method)) {
      if (!isSameOriginIntent(request)) throw new ApiError('OPERATOR_CSRF_REJECTED');
    }
    if (ROLE_RANK[authenticated.operator.role] < ROLE_RANK[role]) throw new ApiError('OPERATOR_FORBIDDEN');
    return authenticated;
  }

  /** True while a login session is neither idle too long nor past its hard expiry. */
  async sessionIsValid(sessionHash: string): Promise<boolean> {
    const session = await this.store.ops.operatorSession(sessionHash);
    return session !== undefined && this.isCurrent(session, this.now());
  }

  /**
   * True while the credential behind `authenticated` would still be accepted (a long request, the
   * live stream, re-checks with it): the bearer token still belongs to the operator (not revoked),
   * or the login session still exists and is current. Does not count as use of the session.
   */
  async stillValid(authenticated: AuthenticatedOperator): Promise<boolean> {
    if (authenticated.sessionHash !== null) return this.sessionIsValid(authenticated.sessionHash);
    if (authenticated.tokenHash === null) return false;
    const operator = await this.store.operatorByTokenHash(authenticated.tokenHash);
    return operator?.id === authenticated.operator.id;
  }

  private async identify(request: FastifyRequest): Promise<AuthenticatedOperator | undefined> {
    const { authorization } = request.headers;
    if (authorization !== undefined) {
      const token = bearerToken(authorization);
      if (token === undefined) return undefined;
      const tokenHash = hashToken(token);
      const operator = await this.store.operatorByTokenHash(tokenHash);
      return operator ? { operator, sessionHash: null, tokenHash } : undefined;
    }
    const cookie = request.cookies[OPS_SESSION_COOKIE];
    if (cookie === undefined || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return undefined;
    const sessionHash = hashToken(cookie);
    const session = await this.store.ops.operatorSession(sessionHash);
    if (!session) return undefined;
    const now = this.now();
    if (!this.isCurrent(session, now)) {
      await this.store.ops.deleteOperatorSession(sessionHash);
      return undefined;
    }
    await this.store.ops.touchOperatorSession(sessionHash, now);
    return { operator: session.operator, sessionHash, tokenHash: null };
  }

  private isCurrent(session: { lastUsedAt: number; expiresAt: number }, now: number): boolean {
    return now < session.expiresAt && now - session.lastUsedAt < this.policy.opsSessionIdleMs;
  }
}
