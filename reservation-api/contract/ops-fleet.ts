import Type, { type Static } from 'typebox';
import type { StreamSummary } from './fleet-overview';
import { EpochMs, KioskId, Procedure } from './primitives';

/**
 * What operators see of the fleet (DESIGN §6): every kiosk's latest state, alerts, session series
 * and reservation statistics, as JSON and live over Server-Sent Events. Nothing here identifies a
 * person: no certificates, PINs, tokens or card references — kiosks, counts and codes only.
 */

/** How the API sees a kiosk: heartbeating, silent too long, never heard from, or revoked. */
export const FLEET_STATUSES = ['online', 'stale', 'never-seen', 'revoked'] as const;
export type FleetStatus = (typeof FLEET_STATUSES)[number];
export const FleetStatusSchema = Type.Enum(FLEET_STATUSES);

export const ALERT_KINDS = [
  /** No heartbeat for longer than `alertHeartbeatStaleSeconds`. */
  'heartbeat-stale',
  /** The kiosk's reader is absent or unavailable (heartbeat), or the kiosk says so. */
  'reader-unavailable',
  /** A card stayed on the reader after its session ended (the kiosk says so). */
  'card-left-behind',
  /** A successful reset could not be written to the kiosk's outbox (the kiosk says so). */
  'settlement-not-recorded',
  /** Crash recovery released a claim whose reset may have reached the card (the kiosk says so). */
  'reset-outcome-uncertain',
  /** The API refused one of the kiosk's outbox messages for good (the kiosk says so). */
  'outbox-rejected',
  /** At least `alertRepeatedFailures` device- or service-class failed sessions on one kiosk within the window. */
  'repeated-failures',
  /**
   * At least `alertUnusualPattern` sessions on one kiosk ended on a blocked PIN or a card mismatch
   * within the repeated-failures window: customer-class, but a burst at one machine is unusual.
   */
  'unusual-customer-pattern',
  /** The kiosk's clock is more than `alertClockSkewSeconds` away from the server's. */
  'clock-skew',
  /** Fleet-wide: at least `alertBlockedPinSpike` sessions ended on a blocked PIN within the window. */
  'blocked-pin-spike',
  /** Fleet-wide: at least `alertResetRefusedSpike` cards refused the reset cryptogram within the window. */
  'reset-refused-spike',
  /**
   * Fleet-wide: a request stated a card (token serial or certificate) other than the one whose PIN
   * it proved, within the spike window — refused as CARD_MISMATCH, a possible attack (DESIGN §3).
   */
  'card-mismatch',
  /** An alert name the kiosk reported that this API does not know (the name is in `detail`). */
  'kiosk-other',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const AlertKindSchema = Type.Enum(ALERT_KINDS);

export const AlertSeveritySchema = Type.Union([Type.Literal('critical'), Type.Literal('warning')]);
export type AlertSeverity = Static<typeof AlertSeveritySchema>;

/**
 * The structured form of an alert's detail, for operators' own language: a key and flat params
 * (`detailKey`, `detailParams`). The dashboard renders `detail.<key>` from its catalogues with the
 * params; `detail` keeps the English text for the CLI and older clients. Each key's params:
 */
export const ALERT_DETAIL_PARAMS = {
  'no-heartbeat': ['seconds'],
  'reader-absent': [],
  'reader-unavailable': [],
  'reader-reported': [],
  'card-on-reader': [],
  'settlement-not-recorded': [],
  'reset-outcome-uncertain': [],
  'outbox-rejected': [],
  /** `names`: the kiosk's own alert names, comma-separated (not translatable). */
  'unknown-kiosk-alerts': ['names'],
  'failed-sessions': ['count', 'minutes'],
  'unusual-customer-pattern': ['count', 'minutes'],
  'clock-ahead': ['seconds'],
  'clock-behind': ['seconds'],
  'blocked-pin-spike': ['count', 'minutes'],
  'reset-refused-spike': ['count', 'minutes'],
  'card-mismatch': ['count', 'minutes'],
} as const satisfies Record<string, readonly string[]>;
export type AlertDetailKey = keyof typeof ALERT_DETAIL_PARAMS;
export const ALERT_DETAIL_KEYS = Object.keys(ALERT_DETAIL_PARAMS) as AlertDetailKey[];
/** Flat detail params (counts are numbers, names are text). */
export type AlertDetailParams = Record<string, string | number>;
/** The params of one detail key. */
export type AlertDetailParamsOf<K extends AlertDetailKey> = Record<
  (typeof ALERT_DETAIL_PARAMS)[K][number],
  string | number
>;

export const AlertDetailParamsSchema = Type.Record(
  Type.String({ pattern: '^[a-z][A-Za-z0-9]{0,31}$' }),
  Type.Union([Type.String({ maxLength: 200 }), Type.Number()]),
);

export const FleetAlert = Type.Object(
  {
    alertId: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }),
    kind: AlertKindSchema,
    severity: AlertSeveritySchema,
    /** The kiosk it is about; null for fleet-wide alerts (spikes). */
    kioskId: Type.Union([KioskId, Type.Null()]),
    /** Short English facts, e.g. "reader: unavailable", "7 failed sessions in 15 min". No personal data. */
    detail: Type.String({ maxLength: 200 }),
    /**
     * The same facts for translation: a key of ALERT_DETAIL_PARAMS (`''` for alerts stored before
     * the key existed — show `detail` then) and its params. Clients may meet keys newer than theirs.
     */
    detailKey: Type.String({ pattern: '^([a-z][a-z0-9-]{0,63})?$' }),
    detailParams: AlertDetailParamsSchema,
    openedAt: EpochMs,
    /** Last time the condition was seen or its detail changed. */
    updatedAt: EpochMs,
    /** null while open. */
    resolvedAt: Type.Union([EpochMs, Type.Null()]),
    acknowledgedAt: Type.Union([EpochMs, Type.Null()]),
    /** The operator's name. */
    acknowledgedBy: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type FleetAlert = Static<typeof FleetAlert>;

export const FleetKiosk = Type.Object(
  {
    kioskId: KioskId,
    chain: Type.String(),
    storeId: Type.String(),
    procedures: Type.Array(Procedure),
    status: FleetStatusSchema,
    /** The kiosk's screen/state from its latest heartbeat (null before the first). */
    state: Type.Union([Type.String(), Type.Null()]),
    reader: Type.Union([
      Type.Literal('ready'),
      Type.Literal('absent'),
      Type.Literal('unavailable'),
      Type.Null(),
    ]),
    cardPresent: Type.Union([Type.Boolean(), Type.Null()]),
    version: Type.Union([Type.String(), Type.Null()]),
    /** Server time of the latest heartbeat. */
    lastSeenAt: Type.Union([EpochMs, Type.Null()]),
    /** kiosk clock − server clock at the latest heartbeat, ms. */
    clockSkewMs: Type.Union([Type.Integer(), Type.Null()]),
    /** The kinds of this kiosk's open alerts. */
    alerts: Type.Array(AlertKindSchema),
  },
  { additionalProperties: false },
);
export type FleetKiosk = Static<typeof FleetKiosk>;

export const FleetResponse = Type.Object(
  { serverTime: EpochMs, kiosks: Type.Array(FleetKiosk) },
  { additionalProperties: false },
);
export type FleetResponse = Static<typeof FleetResponse>;

export const AlertListQuery = Type.Object(
  {
    /** `open` (default): open alerts only; `all`: open ones and the most recently resolved. */
    state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);
export type AlertListQuery = Static<typeof AlertListQuery>;

export const AlertListResponse = Type.Object(
  { alerts: Type.Array(FleetAlert) },
  { additionalProperties: false },
);
export type AlertListResponse = Static<typeof AlertListResponse>;

export const AlertIdParams = Type.Object(
  { alertId: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }) },
  { additionalProperties: false },
);
export type AlertIdParams = Static<typeof AlertIdParams>;

/** Reservations by status now (an active one past its 24 h counts as expired). */
export const ReservationStats = Type.Object(
  {
    active: Type.Integer({ minimum: 0 }),
    claimed: Type.Integer({ minimum: 0 }),
    completed: Type.Integer({ minimum: 0 }),
    expired: Type.Integer({ minimum: 0 }),
    cancelled: Type.Integer({ minimum: 0 }),
    superseded: Type.Integer({ minimum: 0 }),
    /** Created within the last 24 hours, whatever their status. */
    createdLast24h: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ReservationStats = Static<typeof ReservationStats>;

/**
 * Why sessions failed: the kiosk's customer-error ids (state-machines/session/customer-errors.ts,
 * e.g. `pin-blocked`, `reset-refused`, `card-removed`), `other` for anything else.
 */
export const SessionCause = Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' });

export const SESSION_OUTCOMES = ['completed', 'cancelled', 'failed'] as const;
export type SessionOutcomeWire = (typeof SESSION_OUTCOMES)[number];
export const SessionOutcomeSchema = Type.Enum(SESSION_OUTCOMES);

const Count = Type.Integer({ minimum: 0 });

/** Session counts of one time bucket: completed = a PIN was reset. */
export const SessionPoint = Type.Object(
  {
    /** Bucket start, epoch ms (buckets are aligned to the minute or hour, UTC = JST − 9 h). */
    at: EpochMs,
    completed: Count,
    cancelled: Count,
    failed: Count,
    /** Failed sessions by cause (only causes with a count). */
    causes: Type.Record(SessionCause, Count),
  },
  { additionalProperties: false },
);
export type SessionPoint = Static<typeof SessionPoint>;

export const SessionSeriesQuery = Type.Object(
  {
    bucket: Type.Optional(Type.Union([Type.Literal('minute'), Type.Literal('hour')])),
    /** How many buckets, ending with the current one (default 60; at most 1440 minutes or 168 hours). */
    points: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
  },
  { additionalProperties: false },
);
export type SessionSeriesQuery = Static<typeof SessionSeriesQuery>;

export const SessionSeriesResponse = Type.Object(
  {
    bucketMs: Type.Integer({ minimum: 1 }),
    /** Every bucket from the oldest to the current one, empty ones included (dense, for charts). */
    points: Type.Array(SessionPoint),
    /** The sums over all points. */
    totals: Type.Object(
      { completed: Count, cancelled: Count, failed: Count, causes: Type.Record(SessionCause, Count) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type SessionSeriesResponse = Static<typeof SessionSeriesResponse>;

export const OpsStatsResponse = Type.Object(
  {
    serverTime: EpochMs,
    reservations: ReservationStats,
    /** Kiosks by fleet status. */
    kiosks: Type.Object(
      { online: Count, stale: Count, 'never-seen': Count, revoked: Count },
      { additionalProperties: false },
    ),
    openAlerts: Count,
  },
  { additionalProperties: false },
);
export type OpsStatsResponse = Static<typeof OpsStatsResponse>;

// ── Live updates: GET /v1/ops/stream (text/event-stream) ────────────────────────────────────────
//
// Open the stream first, then load /v1/ops/fleet, /v1/ops/alerts?state=all, /v1/ops/stats and
// /v1/ops/stats/sessions; apply events on top (each carries the whole object, so applying one twice
// is harmless). `: ping` comments keep the connection alive every `opsStreamPingSeconds`.
// EventSource reconnects by itself after a drop; reload the lists then.

export const OPS_STREAM_EVENTS = ['hello', 'kiosk', 'alert', 'stats', 'session', 'summary'] as const;
export type OpsStreamEventName = (typeof OPS_STREAM_EVENTS)[number];

/** `event: hello` — first message: who is watching and the server clock. */
export const StreamHello = Type.Object(
  { name: Type.String(), role: Type.String(), serverTime: EpochMs },
  { additionalProperties: false },
);
export type StreamHello = Static<typeof StreamHello>;

/** `event: kiosk` — a FleetKiosk whose status, state, reader, card, version, skew or alerts changed. */
export type StreamKiosk = FleetKiosk;

/** `event: alert` — a FleetAlert opened, changed, acknowledged or resolved (the whole alert). */
export type StreamAlert = FleetAlert;

/** `event: stats` — OpsStatsResponse whenever any of its numbers changed. */
export type StreamStats = OpsStatsResponse;

/** `event: session` — one session ended at a kiosk (add it to the chart's bucket of `at`). */
export const StreamSession = Type.Object(
  {
    kioskId: KioskId,
    /** The kiosk's time of the end of the session. */
    at: EpochMs,
    outcome: SessionOutcomeSchema,
    /** The failure cause (`none` unless failed). */
    cause: SessionCause,
  },
  { additionalProperties: false },
);
export type StreamSession = Static<typeof StreamSession>;

export type OpsStreamEvent =
  | { event: 'hello'; data: StreamHello }
  | { event: 'kiosk'; data: StreamKiosk }
  | { event: 'alert'; data: StreamAlert }
  | { event: 'stats'; data: StreamStats }
  | { event: 'session'; data: StreamSession }
  | { event: 'summary'; data: StreamSummary };
