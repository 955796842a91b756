import {
  API_ERROR_CLASSES,
  displayCodeOfCause,
  type FailureClass,
  FAILURE_CLASSES,
  failureClassOfCause,
  isApiErrorCode,
  type KioskPageResponse,
  type Procedure,
} from '../contract';
import { ApiError } from '../server/api-error';
import type { SessionRollupRow } from '../store/ops-store';
import type { ReservationStore } from '../store/reservation-store';
import type { FleetMonitor } from './fleet-monitor';
import { SELF_TEST_EVENT } from './kiosk-controls';
import { minuteBucketOf, sessionFactOf } from './session-facts';
import { HOUR_MS, seriesRange, sessionSeries } from './session-series';

const DAY_MS = 24 * HOUR_MS;
/** Events read for one page at most (a kiosk serves a few hundred sessions a day). */
const EVENT_LIMIT = 5_000;
const SESSIONS_SHOWN = 500;

/**
 * One kiosk's page for operators: identity, what operators asked of it, the last 24 hours
 * (sessions by outcome and error code, reader facts, API refusals, alerts, operator actions).
 * Session times and buckets are the fleet chart's (minuteBucketOf: server time), so the page,
 * the fleet chart and the alerts count the same sessions. Nothing here names a person or a card.
 */
export async function kioskPage(
  deps: { store: ReservationStore; monitor: FleetMonitor; now: () => number },
  kioskId: string,
): Promise<KioskPageResponse> {
  const found = await deps.monitor.kiosk(kioskId);
  const control = await deps.store.controls.control(kioskId);
  if (!found || !control) throw new ApiError('KIOSK_NOT_FOUND');
  const now = deps.now();
  const range = seriesRange(now, HOUR_MS, 24);
  const from = now - DAY_MS;
  const { store } = deps;

  const events = await store.controls.kioskEvents({ kioskId, from, to: now + 1, limit: EVENT_LIMIT });
  const rollup: SessionRollupRow[] = [];
  const sessions: KioskPageResponse['sessions'] = [];
  const failuresByClass = Object.fromEntries(FAILURE_CLASSES.map((c) => [c, 0])) as Record<
    FailureClass,
    number
  >;
  const readerEvents: KioskPageResponse['readerEvents'] = [];
  for (const event of events) {
    const fact = sessionFactOf(event);
    const at = Math.min(event.at, event.receivedAt);
    if (fact) {
      rollup.push({ bucket: minuteBucketOf(event.at, event.receivedAt), ...fact, count: 1 });
      const failureClass = fact.outcome === 'failed' ? failureClassOfCause(fact.cause) : null;
      if (failureClass) failuresByClass[failureClass] += 1;
      const procedure = event.data['procedure'];
      sessions.push({
        at: Math.max(at, event.receivedAt - DAY_MS),
        outcome: fact.outcome,
        procedure:
          procedure === 'signature-pin' || procedure === 'auth-pin' ? (procedure as Procedure) : null,
        cause: fact.cause,
        displayCode: fact.outcome === 'failed' ? (displayCodeOfCause(fact.cause) ?? null) : null,
        failureClass,
      });
    } else if (event.type === 'alert' || event.type === 'alert.cleared') {
      const name = event.data['alert'];
      if (typeof name === 'string')
        readerEvents.push({ at, kind: event.type, name: name.slice(0, 64), detail: null });
    } else if (event.type === SELF_TEST_EVENT) {
      const result = event.data['result'];
      const detail = event.data['detail'];
      if (typeof result === 'string') {
        readerEvents.push({
          at,
          kind: 'self-test',
          name: result.slice(0, 16),
          detail: typeof detail === 'string' ? detail.slice(0, 64) : null,
        });
      }
    }
  }

  const audit = await store.controls.searchAudit({ kioskId, from, to: now + 1, limit: 10_000 });
  const refusalCounts = new Map<string, number>();
  for (const entry of audit) {
    if (isApiErrorCode(entry.outcome))
      refusalCounts.set(entry.outcome, (refusalCounts.get(entry.outcome) ?? 0) + 1);
  }
  const refusals = [...refusalCounts]
    .map(([code, count]) => ({
      code,
      count,
      failureClass: API_ERROR_CLASSES[code as keyof typeof API_ERROR_CLASSES],
    }))
    .sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1));
  const actions = audit.filter((entry) => entry.actor.startsWith('operator:')).reverse();

  const heartbeat = found.heartbeat;
  return {
    serverTime: now,
    kiosk: found.view,
    identity: {
      ...(await registration(store, kioskId)),
      os: heartbeat?.os ?? null,
      readerModel: heartbeat?.readerModel ?? null,
    },
    control: control,
    from,
    to: now,
    timeline: sessionSeries(rollup, range, HOUR_MS).points,
    failuresByClass,
    sessions: sessions.reverse().slice(0, SESSIONS_SHOWN),
    readerEvents: readerEvents.reverse(),
    refusals,
    alerts: await store.controls.alertsOfKiosk({ kioskId, since: from }),
    actions,
  };
}

async function registration(
  store: ReservationStore,
  kioskId: string,
): Promise<{ registeredAt: number; revokedAt: number | null }> {
  const kiosk = await store.getKiosk(kioskId);
  return { registeredAt: kiosk?.registeredAt ?? 0, revokedAt: kiosk?.revokedAt ?? null };
}
