// Types of request.cookies / reply.setCookie (the plugin is registered in server/app.ts).
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OPS_SESSION_COOKIE, type OperatorLoginRequest, type OperatorSessionResponse } from '../contract';
import { ApiError } from '../server/api-error';
import type { ApiPolicy } from '../server/policy';
import type { ReservationStore } from '../store/reservation-store';
import { isSameOriginIntent } from './csrf';
import { hashToken, newToken } from './tokens';

/**
 * Dashboard login and logout: an operator's name and token become a login session whose random
 * secret lives only in an HttpOnly, SameSite=Strict cookie (the store keeps its SHA-256).
 */
export class OperatorLogin {
  constructor(
    private readonly store: ReservationStore,
    private readonly now: () => number,
    private readonly policy: Pick<ApiPolicy, 'opsSessionIdleMs' | 'opsSessionMaxMs'>,
  ) {}

  /** Checks name and token (same refusal for either being wrong), starts a session and sets its cookie. */
  async login(
    request: FastifyRequest,
    reply: FastifyReply,
    body: OperatorLoginRequest,
  ): Promise<OperatorSessionResponse> {
    if (!isSameOriginIntent(request)) throw new ApiError('OPERATOR_CSRF_REJECTED');
    const operator = await this.store.operatorByTokenHash(hashToken(body.token));
    if (!operator || operator.name !== body.name) throw new ApiError('OPERATOR_LOGIN_FAILED');
    const now = this.now();
    const expiresAt = now + this.policy.opsSessionMaxMs;
    const secret = newToken();
    await this.store.ops.pruneOperatorSessions({ now, idleBefore: now - this.policy.opsSessionIdleMs });
    await this.store.ops.createOperatorSession({
      sessionHash: hashToken(secret),
      operatorId: operator.id,
      now,
      expiresAt,
    });
    void reply.setCookie(OPS_SESSION_COOKIE, secret, {
      ...cookieAttributes(request),
      maxAge: Math.floor(this.policy.opsSessionMaxMs / 1000),
    });
    return {
      name: operator.name,
      role: operator.role,
      idleExpiresAt: Math.min(now + this.policy.opsSessionIdleMs, expiresAt),
      expiresAt,
    };
  }

  /** Ends the session behind the cookie (if any) and clears the cookie; returns its hash. */
  async logout(request: FastifyRequest, reply: FastifyReply): Promise<string | null> {
    if (!isSameOriginIntent(request)) throw new ApiError('OPERATOR_CSRF_REJECTED');
    const cookie = request.cookies[OPS_SESSION_COOKIE];
    const sessionHash = cookie === undefined ? null : hashToken(cookie);
    if (sessionHash !== null) await this.store.ops.deleteOperatorSession(sessionHash);
    void reply.clearCookie(OPS_SESSION_COOKIE, cookieAttributes(request));
    return sessionHash;
  }
}

/** HttpOnly, SameSite=Strict, whole site; Secure when the request came over HTTPS (directly or via a trusted proxy). */
function cookieAttributes(request: FastifyRequest) {
  return {
    httpOnly: true,
    sameSite: 'strict' as const,
    path: '/',
    secure: request.protocol === 'https',
  };
}
