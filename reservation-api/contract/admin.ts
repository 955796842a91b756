import Type, { type Static } from 'typebox';
import { HeartbeatRequest } from './kiosk';
import { PREFECTURE_PATTERN } from './prefectures';
import { EpochMs, KioskId, Procedure, ServerId } from './primitives';

/**
 * Operator endpoints (Authorization: Bearer <operator token>, or the dashboard's session cookie;
 * roles admin and viewer). Login, fleet monitoring and live updates are in ops-session.ts and
 * ops-fleet.ts, re-exported here.
 */
export * from './fleet-overview';
export * from './ops-fleet';
export * from './ops-session';

export const OPERATOR_ROLES = ['admin', 'viewer'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];
export const OperatorRoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('viewer')]);

export const WhoAmIResponse = Type.Object(
  { name: Type.String(), role: OperatorRoleSchema },
  { additionalProperties: false },
);
export type WhoAmIResponse = Static<typeof WhoAmIResponse>;

export const LastHeartbeat = Type.Object(
  { ...HeartbeatRequest.properties, receivedAt: EpochMs },
  { additionalProperties: false },
);

export const KioskView = Type.Object(
  {
    kioskId: KioskId,
    chain: Type.String(),
    storeId: Type.String(),
    procedures: Type.Array(Procedure),
    registeredAt: EpochMs,
    revokedAt: Type.Union([EpochMs, Type.Null()]),
    lastHeartbeat: Type.Union([LastHeartbeat, Type.Null()]),
  },
  { additionalProperties: false },
);
export type KioskView = Static<typeof KioskView>;

export const KioskListResponse = Type.Object(
  { kiosks: Type.Array(KioskView) },
  { additionalProperties: false },
);
export type KioskListResponse = Static<typeof KioskListResponse>;

export const StoreIdSchema = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$' });

export const RegisterKioskRequest = Type.Object(
  {
    chain: Type.String({ minLength: 1, maxLength: 32 }),
    storeId: StoreIdSchema,
    /** Where the store is: JIS X 0401 prefecture code ('13' Tokyo). Optional for older clients. */
    prefecture: Type.Optional(Type.String({ pattern: PREFECTURE_PATTERN })),
    /** The store's name as operators search for it (e.g. 「新宿三丁目店」). */
    storeName: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    /** The kiosk's Ed25519 public key: 32 raw bytes, base64. */
    publicKey: Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$' }),
  },
  { additionalProperties: false },
);
export type RegisterKioskRequest = Static<typeof RegisterKioskRequest>;

/** At most this many kiosks per batch registration (the body stays under the default body limit). */
export const MAX_KIOSKS_PER_BATCH = 500;

/** A fleet rollout: many kiosks in one request, registered all or none. */
export const RegisterKiosksRequest = Type.Object(
  { kiosks: Type.Array(RegisterKioskRequest, { minItems: 1, maxItems: MAX_KIOSKS_PER_BATCH }) },
  { additionalProperties: false },
);
export type RegisterKiosksRequest = Static<typeof RegisterKiosksRequest>;

/** The registered kiosks, in the order of the request. */
export const RegisterKiosksResponse = Type.Object(
  { kiosks: Type.Array(KioskView) },
  { additionalProperties: false },
);
export type RegisterKiosksResponse = Static<typeof RegisterKiosksResponse>;

export const KioskIdParams = Type.Object({ kioskId: KioskId }, { additionalProperties: false });
export type KioskIdParams = Static<typeof KioskIdParams>;

export const AuditEntry = Type.Object(
  {
    seq: Type.Integer(),
    at: EpochMs,
    actor: Type.String(),
    kioskId: Type.Union([Type.String(), Type.Null()]),
    reservationId: Type.Union([ServerId, Type.Null()]),
    action: Type.String(),
    fromStatus: Type.Union([Type.String(), Type.Null()]),
    toStatus: Type.Union([Type.String(), Type.Null()]),
    outcome: Type.String(),
  },
  { additionalProperties: false },
);
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object(
  {
    reservationId: Type.Optional(ServerId),
    afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditResponse = Type.Object(
  { entries: Type.Array(AuditEntry) },
  { additionalProperties: false },
);
export type AuditResponse = Static<typeof AuditResponse>;
