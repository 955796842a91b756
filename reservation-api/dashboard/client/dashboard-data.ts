import type {
  AlertListResponse,
  FleetAlert,
  FleetGroup,
  FleetSummaryResponse,
  KioskListPageResponse,
  OpsStatsResponse,
  OpsStreamEvent,
  SessionSeriesResponse,
} from '../../contract/admin';
import { applyKioskEvent, applySummary } from './overview-model';
import { addSession, type SessionSeries, seriesFrom } from './series-model';

/**
 * Everything the dashboard shows, as last loaded plus every stream event applied on top. Each
 * event carries a whole object (or absolute counts), so applying one twice (a reload racing the
 * stream) is harmless. Of the fleet it holds the summary's groups and the page on screen only.
 */
export interface DashboardData {
  /** The overview's groups by `by:key`. */
  summary: Map<string, FleetGroup>;
  /** The page of the kiosk table on screen. */
  page: KioskListPageResponse | undefined;
  alerts: Map<string, FleetAlert>;
  stats: OpsStatsResponse | undefined;
  series: SessionSeries | undefined;
  /** Server clock − browser clock, ms, from the latest server time seen: "last seen" uses server time. */
  clockOffsetMs: number;
  /** True once the lists have been loaded. */
  loaded: boolean;
}

export function emptyData(): DashboardData {
  return {
    summary: new Map(),
    page: undefined,
    alerts: new Map(),
    stats: undefined,
    series: undefined,
    clockOffsetMs: 0,
    loaded: false,
  };
}

export interface Snapshot {
  summary: FleetSummaryResponse;
  page: KioskListPageResponse;
  alerts: AlertListResponse;
  stats: OpsStatsResponse;
  series: SessionSeriesResponse;
}

/** Replaces the lists with freshly loaded ones (after connecting or reconnecting the stream). */
export function loadSnapshot(data: DashboardData, snapshot: Snapshot, browserNow: number): void {
  data.summary = new Map();
  applySummary(data.summary, snapshot.summary.groups);
  data.page = snapshot.page;
  data.alerts = new Map(snapshot.alerts.alerts.map((alert) => [alert.alertId, alert]));
  data.stats = snapshot.stats;
  data.series = seriesFrom(snapshot.series);
  data.clockOffsetMs = snapshot.page.serverTime - browserNow;
  data.loaded = true;
}

/** Applies one stream event. Returns which parts of the page need drawing again. */
export function applyEvent(data: DashboardData, event: OpsStreamEvent, browserNow: number): Set<DataPart> {
  switch (event.event) {
    case 'hello':
      data.clockOffsetMs = event.data.serverTime - browserNow;
      return new Set(['fleet']);
    case 'kiosk':
      return applyKioskEvent(data.page, event.data) ? new Set(['fleet']) : new Set();
    case 'summary':
      applySummary(data.summary, event.data.groups);
      return new Set(['summary']);
    case 'alert':
      data.alerts.set(event.data.alertId, event.data);
      return new Set(['fleet', 'alerts', 'summary']);
    case 'stats':
      data.stats = event.data;
      data.clockOffsetMs = event.data.serverTime - browserNow;
      return new Set(['summary']);
    case 'session':
      if (data.series) data.series = addSession(data.series, event.data);
      return new Set(['charts']);
  }
}

export type DataPart = 'fleet' | 'alerts' | 'summary' | 'charts';
