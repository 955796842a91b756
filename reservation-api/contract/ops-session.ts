import Type, { type Static } from 'typebox';
import { EpochMs } from './primitives';

/**
 * Operator login for people (the dashboard): the operator's name and token (from
 * `npm run ops -- operator create`) are exchanged for a session cookie. The CLI keeps using
 * `Authorization: Bearer <operator token>`; every ops endpoint accepts either.
 *
 * - Cookie `ops_session`: HttpOnly, SameSite=Strict, Path=/, Secure when the request came over HTTPS.
 *   It expires after `opsSessionIdleMinutes` without a request, and at the latest
 *   `opsSessionMaxHours` after login.
 * - CSRF: every state-changing request (POST, DELETE) authenticated by the cookie — and the login
 *   itself — must carry the header `X-Ops-Request: 1` (a browser cannot send it cross-site without a
 *   CORS preflight this API never grants), and its `Origin`, when sent, must be this server's own.
 *   Otherwise 403 `OPERATOR_CSRF_REJECTED`.
 */

export const OPS_SESSION_COOKIE = 'ops_session';
export const OPS_CSRF_HEADER = 'x-ops-request';
export const OPS_CSRF_HEADER_VALUE = '1';

export const OperatorLoginRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    /** The operator token (43 characters, base64url). */
    token: Type.String({ minLength: 20, maxLength: 128 }),
  },
  { additionalProperties: false },
);
export type OperatorLoginRequest = Static<typeof OperatorLoginRequest>;

export const OperatorSessionResponse = Type.Object(
  {
    name: Type.String(),
    /** viewer: reads; admin: also acknowledges alerts and registers/revokes kiosks. */
    role: Type.Union([Type.Literal('admin'), Type.Literal('viewer')]),
    /** The session ends at this time unless a request comes before (each request moves it on). */
    idleExpiresAt: EpochMs,
    /** The session ends at this time whatever happens. */
    expiresAt: EpochMs,
  },
  { additionalProperties: false },
);
export type OperatorSessionResponse = Static<typeof OperatorSessionResponse>;

export const LogoutResponse = Type.Object({ loggedOut: Type.Literal(true) }, { additionalProperties: false });
export type LogoutResponse = Static<typeof LogoutResponse>;
