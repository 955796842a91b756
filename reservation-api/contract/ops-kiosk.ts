import Type, { type Static } from 'typebox';
import { AuditEntry } from './admin';
import { FAILURE_CLASSES } from './failure-classes';
import { FleetAlert, FleetKiosk, SessionCause, SessionOutcomeSchema, SessionPoint } from './ops-fleet';
import { EpochMs, KioskId, Procedure, ServerId } from './primitives';

/**
 * One kiosk for operators (issue 16): its page (identity, the last 24 hours, alerts, remote
 * actions), the remote actions themselves, the reservation funnel and audit search. Only ids the
 * API already shares, counts and codes: never a PIN, card serial, certificate or reservation token.
 */

export const FailureClassSchema = Type.Enum(FAILURE_CLASSES);

export const KioskMaintenanceView = Type.Object(
  { reason: Type.String(), since: EpochMs, by: Type.String() },
  { additionalProperties: false },
);

export const KioskSelfTestView = Type.Object(
  {
    testId: ServerId,
    requestedAt: EpochMs,
    requestedBy: Type.String(),
    result: Type.Union([Type.Literal('passed'), Type.Literal('failed'), Type.Null()]),
    detail: Type.Union([Type.String(), Type.Null()]),
    reportedAt: Type.Union([EpochMs, Type.Null()]),
  },
  { additionalProperties: false },
);

export const KioskControlView = Type.Object(
  {
    kioskId: KioskId,
    maintenance: Type.Union([KioskMaintenanceView, Type.Null()]),
    selfTest: Type.Union([KioskSelfTestView, Type.Null()]),
  },
  { additionalProperties: false },
);
export type KioskControlView = Static<typeof KioskControlView>;

/** POST …/out-of-service: why (kept in the audit trail and shown to operators, not to customers). */
export const OutOfServiceRequest = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type OutOfServiceRequest = Static<typeof OutOfServiceRequest>;

/** POST …/credentials: the kiosk's new Ed25519 public key (32 raw bytes, base64). */
export const RotateKeyRequest = Type.Object(
  { publicKey: Type.String({ minLength: 40, maxLength: 64 }) },
  { additionalProperties: false },
);
export type RotateKeyRequest = Static<typeof RotateKeyRequest>;

/** One ended session at the kiosk, as the page lists it. */
export const KioskSessionView = Type.Object(
  {
    /** Server time the bucket counts it at (kiosk time kept within the day before receipt). */
    at: EpochMs,
    outcome: SessionOutcomeSchema,
    procedure: Type.Union([Procedure, Type.Null()]),
    /** `none` unless failed. */
    cause: SessionCause,
    /** The on-screen code (`E-032`), or null. */
    displayCode: Type.Union([Type.String(), Type.Null()]),
    failureClass: Type.Union([FailureClassSchema, Type.Null()]),
  },
  { additionalProperties: false },
);

/** A reader fact: the kiosk's reader alerts coming and going, and self-test results. */
export const KioskReaderEvent = Type.Object(
  {
    at: EpochMs,
    kind: Type.Union([Type.Literal('alert'), Type.Literal('alert.cleared'), Type.Literal('self-test')]),
    /** The alert name, or the self-test result. */
    name: Type.String(),
    detail: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

/** API refusals of this kiosk's requests by code, with the class (audit trail). */
export const KioskRefusalCount = Type.Object(
  { code: Type.String(), failureClass: FailureClassSchema, count: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);

export const KioskPageResponse = Type.Object(
  {
    serverTime: EpochMs,
    kiosk: FleetKiosk,
    identity: Type.Object(
      {
        registeredAt: EpochMs,
        revokedAt: Type.Union([EpochMs, Type.Null()]),
        /** From the latest heartbeat (null when the kiosk does not say). */
        os: Type.Union([Type.String(), Type.Null()]),
        readerModel: Type.Union([Type.String(), Type.Null()]),
      },
      { additionalProperties: false },
    ),
    control: KioskControlView,
    /** The page's window: the last 24 hours, server time. */
    from: EpochMs,
    to: EpochMs,
    /** Hourly buckets over the window (the chart), same bucketing as the fleet chart. */
    timeline: Type.Array(SessionPoint),
    /** Failures in the window by class. */
    failuresByClass: Type.Record(FailureClassSchema, Type.Integer({ minimum: 0 })),
    /** The ended sessions, newest first (at most 500). */
    sessions: Type.Array(KioskSessionView),
    readerEvents: Type.Array(KioskReaderEvent),
    refusals: Type.Array(KioskRefusalCount),
    /** Open alerts and those resolved within the window, with who acknowledged them. */
    alerts: Type.Array(FleetAlert),
    /** Operator actions on this kiosk in the window (audit), newest first. */
    actions: Type.Array(AuditEntry),
  },
  { additionalProperties: false },
);
export type KioskPageResponse = Static<typeof KioskPageResponse>;

export const FunnelQuery = Type.Object(
  {
    /** Japan-time days `YYYY-MM-DD`, inclusive (default: the last 7 days up to today). */
    from: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
    to: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  },
  { additionalProperties: false },
);
export type FunnelQuery = Static<typeof FunnelQuery>;

const Count = Type.Integer({ minimum: 0 });

export const FunnelRowSchema = Type.Object(
  {
    day: Type.String(),
    procedure: Procedure,
    chain: Type.String(),
    reservations: Count,
    lookups: Count,
    verified: Count,
    completed: Count,
    expiredUnused: Count,
    /** completed / reservations (0 when none). */
    conversion: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
export type FunnelRowView = Static<typeof FunnelRowSchema>;

export const FunnelResponse = Type.Object(
  { serverTime: EpochMs, from: Type.String(), to: Type.String(), rows: Type.Array(FunnelRowSchema) },
  { additionalProperties: false },
);
export type FunnelResponse = Static<typeof FunnelResponse>;

export const AuditSearchQuery = Type.Object(
  {
    reservationId: Type.Optional(ServerId),
    kioskId: Type.Optional(KioskId),
    /** Epoch ms, inclusive / exclusive (server time). */
    from: Type.Optional(Type.Integer({ minimum: 0 })),
    to: Type.Optional(Type.Integer({ minimum: 0 })),
    afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  },
  { additionalProperties: false },
);
export type AuditSearchQuery = Static<typeof AuditSearchQuery>;
