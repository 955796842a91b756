import Type, { type Static } from 'typebox';
import { EpochMs } from './primitives';
import { PREFECTURE_PATTERN } from './prefectures';
import { KIOSK_CONDITIONS, type KioskCondition } from './kiosk-conditions';
import { FleetKiosk } from './ops-fleet';

export * from './kiosk-conditions';

/**
 * The fleet overview at national scale (56,000 kiosks): counts by chain, prefecture and condition
 * computed by the database, and the kiosk list one page at a time with search and filters. Nothing
 * here identifies a person.
 */

export const KioskConditionSchema = Type.Enum(KIOSK_CONDITIONS);

const Count = Type.Integer({ minimum: 0 });

export const ConditionCounts = Type.Object(
  Object.fromEntries(KIOSK_CONDITIONS.map((condition) => [condition, Count])) as Record<
    KioskCondition,
    typeof Count
  >,
  { additionalProperties: false },
);
export type ConditionCounts = Record<KioskCondition, number>;

/** How the summary groups kiosks: the whole fleet, one chain, or one prefecture. */
export const SUMMARY_GROUPINGS = ['fleet', 'chain', 'prefecture'] as const;
export type SummaryGrouping = (typeof SUMMARY_GROUPINGS)[number];

export const FleetGroup = Type.Object(
  {
    by: Type.Enum(SUMMARY_GROUPINGS),
    /** '' for the fleet; the chain id; the prefecture code (`00`: not recorded). */
    key: Type.String({ maxLength: 32 }),
    total: Count,
    counts: ConditionCounts,
  },
  { additionalProperties: false },
);
export type FleetGroup = Static<typeof FleetGroup>;

export const FleetSummaryResponse = Type.Object(
  {
    serverTime: EpochMs,
    /** The fleet first, then chains (largest first), then prefectures in code order. */
    groups: Type.Array(FleetGroup),
  },
  { additionalProperties: false },
);
export type FleetSummaryResponse = Static<typeof FleetSummaryResponse>;

export const KIOSK_PAGE_MAX = 200;

export const KioskListPageQuery = Type.Object(
  {
    chain: Type.Optional(Type.String({ pattern: '^[a-z][a-z-]{0,31}$' })),
    prefecture: Type.Optional(Type.String({ pattern: '^(0[0-9]|[1-3][0-9]|4[0-7])$' })),
    condition: Type.Optional(KioskConditionSchema),
    /** Part of a store id, store name or kiosk id (case-insensitive). */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** Rows to skip (the list is in kiosk id order: stable while kiosks come and go). */
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: KIOSK_PAGE_MAX })),
  },
  { additionalProperties: false },
);
export type KioskListPageQuery = Static<typeof KioskListPageQuery>;

export const FleetKioskRow = Type.Object(
  {
    ...FleetKiosk.properties,
    /** JIS X 0401 code, null when not recorded at registration. */
    prefecture: Type.Union([Type.String({ pattern: PREFECTURE_PATTERN }), Type.Null()]),
    storeName: Type.Union([Type.String(), Type.Null()]),
    condition: KioskConditionSchema,
  },
  { additionalProperties: false },
);
export type FleetKioskRow = Static<typeof FleetKioskRow>;

export const KioskListPageResponse = Type.Object(
  {
    serverTime: EpochMs,
    /** Kiosks matching the filters, all pages. */
    total: Count,
    offset: Count,
    limit: Count,
    kiosks: Type.Array(FleetKioskRow),
  },
  { additionalProperties: false },
);
export type KioskListPageResponse = Static<typeof KioskListPageResponse>;

/**
 * `event: summary` — the groups whose counts changed since the last one (absolute counts: set, do
 * not add). Computed by each API instance from the shared database at most once a second.
 */
export type StreamSummary = FleetSummaryResponse;
