import type { OpsStreamEvent, WhoAmIResponse } from '../../contract/admin';
import { OpsApi, OpsApiError, type SeriesBucket } from './api-client';
import { applyEvent, type DashboardData, type DataPart, emptyData, loadSnapshot } from './dashboard-data';
import { h, replaceChildren } from '../../../web/dom';
import { followHashRoutes } from './hash-routes';
import { openAlerts } from './fleet-model';
import { type DashboardLanguage, Translator } from './i18n';
import { type ConnectionState, type LiveUpdates, openLiveUpdates } from './live-updates';
import { groupsBy, NO_QUERY, type OverviewQuery, pageQueryString } from './overview-model';
import { seriesFrom } from './series-model';
import { AlertsPanel } from './views/alerts-panel';
import { ChartPanels } from './views/charts';
import { headerView } from './views/header-view';
import { KioskTable } from './views/kiosk-table';
import { loginView } from './views/login-view';
import { type OverviewFilterRequest, overviewView } from './views/overview-view';
import { summaryView } from './views/summary-view';

/** Buckets per chart range: the last hour by minute, the last day by hour. */
const POINTS: Record<SeriesBucket, number> = { minute: 60, hour: 24 };
/** "Last seen 12 s ago" is redrawn this often even when nothing arrives. */
const AGE_REFRESH_MS = 5_000;
/**
 * The stream sends a kiosk only when something about it changes, not on every heartbeat, so the
 * page on screen is reloaded this often for its "last seen" times (one page, never the fleet).
 */
const FLEET_REFRESH_MS = 15_000;
const LANGUAGE_KEY = 'ops-dashboard-language';
/** Events arriving within this long are drawn together (a burst of heartbeats is one redraw). */
const RENDER_BATCH_MS = 50;

/** A load that finished after the operator logged out or in again: its answer is dropped. */
class SupersededLoad extends Error {}

interface Panels {
  header: HTMLElement;
  summary: HTMLElement;
  overview: HTMLElement;
  fleet: KioskTable;
  alerts: AlertsPanel;
  charts: ChartPanels;
}

/**
 * The dashboard page: login, then the board fed by one snapshot load per (re)connection of the
 * live stream, with every stream event applied on top. Holds no secret: the session is an HttpOnly
 * cookie and the token typed at login is sent once and cleared from the form.
 */
export class DashboardApp {
  private readonly api = new OpsApi();
  private t: Translator;
  private operator: WhoAmIResponse | undefined;
  private data: DashboardData = emptyData();
  private live: LiveUpdates | undefined;
  private connection: ConnectionState = 'connecting';
  private query: OverviewQuery = NO_QUERY;
  /** Numbers page loads, so an answer overtaken by a newer filter or page is dropped. */
  private pageRequest = 0;
  private bucket: SeriesBucket = 'hour';
  private panels: Panels | undefined;
  private dirty = new Set<DataPart | 'header'>();
  private frame: ReturnType<typeof setTimeout> | undefined;
  private ageTimer: ReturnType<typeof setInterval> | undefined;
  private fleetTimer: ReturnType<typeof setInterval> | undefined;
  /** One buffer per load under way: stream events that arrived during it, re-applied after it. */
  private readonly holders = new Set<OpsStreamEvent[]>();
  /** Changes on every login and logout, so an answer to the previous session is dropped. */
  private generation = 0;
  /** Stops following `#/kiosks/<id>` and `#/funnel` (hash-routes.ts). */
  private stopRoutes: (() => void) | undefined;

  constructor(
    private readonly root: HTMLElement,
    language: DashboardLanguage,
  ) {
    this.t = new Translator(language);
  }

  /** Opens the board if the browser already has a session, the login form otherwise. */
  async start(): Promise<void> {
    try {
      this.showDashboard(await this.api.whoami());
    } catch (error) {
      this.showLogin(
        error instanceof OpsApiError && !error.unauthenticated ? 'login.unavailable' : undefined,
      );
    }
  }

  private showLogin(notice?: string): void {
    this.generation += 1;
    this.stopRoutes?.();
    this.stopRoutes = undefined;
    this.stopLive();
    this.operator = undefined;
    this.data = emptyData();
    this.root.dataset.view = 'login';
    delete this.root.dataset.loaded;
    replaceChildren(
      this.root,
      loginView(this.t, {
        notice,
        onSubmit: (name, token) => this.login(name, token),
        onSwitchLanguage: () => this.switchLanguage(() => this.showLogin(notice)),
      }),
    );
  }

  private async login(name: string, token: string): Promise<string | undefined> {
    try {
      const session = await this.api.login(name, token);
      this.showDashboard({ name: session.name, role: session.role });
      return undefined;
    } catch (error) {
      return error instanceof OpsApiError && error.status === 401 ? 'login.failed' : 'login.unavailable';
    }
  }

  private async logout(): Promise<void> {
    this.stopLive();
    await this.api.logout().catch(() => undefined);
    this.showLogin('login.loggedOut');
  }

  private showDashboard(operator: WhoAmIResponse): void {
    this.generation += 1;
    this.operator = operator;
    this.root.dataset.view = 'dashboard';
    this.root.dataset.role = operator.role;
    this.buildBoard();
    this.stopRoutes?.();
    this.stopRoutes = followHashRoutes(this.root, {
      api: this.api,
      t: () => this.t,
      role: () => this.operator?.role ?? 'viewer',
    });
    this.live = openLiveUpdates({
      onEvent: (event) => this.onStreamEvent(event),
      onConnected: () => void this.reload(),
      onState: (state) => {
        this.connection = state;
        this.markDirty('header');
      },
      sessionValid: async () => {
        try {
          await this.api.whoami();
          return true;
        } catch (error) {
          return !(error instanceof OpsApiError && error.unauthenticated);
        }
      },
      onSessionEnded: () => this.showLogin('login.expired'),
    });
    this.ageTimer = setInterval(() => this.markDirty('fleet'), AGE_REFRESH_MS);
    this.fleetTimer = setInterval(() => void this.loadPage(), FLEET_REFRESH_MS);
  }

  private buildBoard(): void {
    const operator = this.operator;
    if (!operator) return;
    this.panels?.charts.destroy();
    const fleet = new KioskTable(this.t, this.query, (query) => this.setQuery(query));
    const alerts = new AlertsPanel(this.t, {
      role: operator.role,
      onAcknowledge: (id) => this.acknowledge(id),
    });
    const charts = new ChartPanels(this.t, {
      bucket: this.bucket,
      onBucket: (bucket) => {
        this.bucket = bucket;
        this.buildBoard();
        void this.reloadSeries();
      },
    });
    this.panels = { header: h('div'), summary: h('div'), overview: h('div'), fleet, alerts, charts };
    replaceChildren(
      this.root,
      this.panels.header,
      this.panels.summary,
      this.panels.overview,
      h('main', { class: 'board' }, fleet.element, alerts.element, charts.overTime, charts.byCause),
    );
    this.render(new Set(['header', 'summary', 'fleet', 'alerts', 'charts']));
  }

  private onStreamEvent(event: OpsStreamEvent): void {
    for (const held of this.holders) held.push(event);
    for (const part of applyEvent(this.data, event, Date.now())) this.markDirty(part);
  }

  /** Runs `load` keeping a copy of every stream event that arrives meanwhile (to re-apply after it). */
  private async holdingEvents<T>(load: () => Promise<T>): Promise<[T, OpsStreamEvent[]]> {
    const held: OpsStreamEvent[] = [];
    const generation = this.generation;
    this.holders.add(held);
    try {
      const result = await load();
      if (generation !== this.generation) throw new SupersededLoad();
      return [result, held];
    } finally {
      this.holders.delete(held);
    }
  }

  /** Loads every list again (after each (re)connection), then re-applies events that raced the load. */
  private async reload(): Promise<void> {
    try {
      const request = ++this.pageRequest;
      const [[summary, page, alerts, stats, series], held] = await this.holdingEvents(() =>
        Promise.all([
          this.api.summary(),
          this.api.kiosks(pageQueryString(this.query)),
          this.api.alerts(),
          this.api.stats(),
          this.api.sessions(this.bucket, POINTS[this.bucket]),
        ]),
      );
      loadSnapshot(this.data, { summary, page, alerts, stats, series }, Date.now());
      // A filter chosen while this loaded asked for its own page: keep that one.
      if (request !== this.pageRequest) this.data.page = undefined;
      // Whole-object events are safe to apply again; a session may or may not be in the series
      // just loaded, so the series is fetched once more instead of counting it twice.
      for (const event of held) if (event.event !== 'session') applyEvent(this.data, event, Date.now());
      if (held.some((event) => event.event === 'session')) await this.reloadSeries();
      // Drawn at once, so "loaded" always means "on screen".
      this.render(new Set(['summary', 'fleet', 'alerts', 'charts']));
      this.root.dataset.loaded = 'true';
    } catch (error) {
      if (error instanceof OpsApiError && error.unauthenticated) this.showLogin('login.expired');
      // Anything else: the stream's reconnection brings the next reload.
    }
  }

  /** Loads the session series again; once more if a session ended during the load (it may or may not be in it). */
  private async reloadSeries(attempts = 2): Promise<void> {
    try {
      const [series, held] = await this.holdingEvents(() =>
        this.api.sessions(this.bucket, POINTS[this.bucket]),
      );
      this.data.series = seriesFrom(series);
      this.markDirty('charts');
      if (attempts > 1 && held.some((event) => event.event === 'session'))
        await this.reloadSeries(attempts - 1);
    } catch (error) {
      if (error instanceof OpsApiError && error.unauthenticated) this.showLogin('login.expired');
    }
  }

  /** A new filter, search or page from the table or the overview: loads that page. */
  private setQuery(query: OverviewQuery): void {
    this.query = query;
    this.panels?.fleet.showQuery(query);
    void this.loadPage();
  }

  private filterFromOverview(request: OverviewFilterRequest): void {
    this.setQuery({ ...NO_QUERY, ...request });
    this.panels?.fleet.element.scrollIntoView({ block: 'start' });
  }

  /** Loads the page of the current query (also every FLEET_REFRESH_MS); an overtaken answer is dropped. */
  private async loadPage(): Promise<void> {
    if (!this.data.loaded) return;
    const request = ++this.pageRequest;
    try {
      const [page, held] = await this.holdingEvents(() => this.api.kiosks(pageQueryString(this.query)));
      if (request !== this.pageRequest) return;
      this.data.page = page;
      this.data.clockOffsetMs = page.serverTime - Date.now();
      // A kiosk event newer than the page wins.
      for (const event of held) if (event.event === 'kiosk') applyEvent(this.data, event, Date.now());
      this.markDirty('fleet', 'alerts');
    } catch (error) {
      if (error instanceof SupersededLoad) return;
      if (error instanceof OpsApiError && error.unauthenticated) this.showLogin('login.expired');
    }
  }

  private async acknowledge(alertId: string): Promise<boolean> {
    try {
      const alert = await this.api.acknowledge(alertId);
      this.data.alerts.set(alert.alertId, alert);
      this.render(new Set(['alerts', 'fleet']));
      return true;
    } catch (error) {
      if (error instanceof OpsApiError && error.unauthenticated) this.showLogin('login.expired');
      return false;
    }
  }

  private switchLanguage(redraw: () => void): void {
    this.t = new Translator(this.t.language === 'ja' ? 'en' : 'ja');
    document.documentElement.lang = this.t.language;
    try {
      localStorage.setItem(LANGUAGE_KEY, this.t.language);
    } catch {
      // Storage refused (private mode): the choice lasts until the page is reloaded.
    }
    redraw();
  }

  private markDirty(...parts: (DataPart | 'header')[]): void {
    for (const part of parts) this.dirty.add(part);
    // A short timer, not requestAnimationFrame: a board in a background tab keeps up to date.
    this.frame ??= setTimeout(() => {
      this.frame = undefined;
      const dirty = this.dirty;
      this.dirty = new Set();
      this.render(dirty);
    }, RENDER_BATCH_MS);
  }

  private render(parts: Set<DataPart | 'header'>): void {
    const panels = this.panels;
    const operator = this.operator;
    if (!panels || !operator || this.root.dataset.view !== 'dashboard') return;
    const t = this.t;
    const serverNow = Date.now() + this.data.clockOffsetMs;
    if (parts.has('header')) {
      const header = headerView(t, {
        operator,
        connection: this.connection,
        onSwitchLanguage: () => this.switchLanguage(() => this.buildBoard()),
        onLogout: () => void this.logout(),
      });
      panels.header.replaceWith(header);
      panels.header = header;
    }
    if (parts.has('summary')) {
      const summary = summaryView(t, {
        fleet: groupsBy(this.data.summary, 'fleet')[0],
        openAlerts: openAlerts(this.data.alerts.values()).length,
        stats: this.data.stats,
      });
      panels.summary.replaceWith(summary);
      panels.summary = summary;
      const overview = overviewView(t, this.data.summary, (request) => this.filterFromOverview(request));
      panels.overview.replaceWith(overview);
      panels.overview = overview;
    }
    if (parts.has('fleet')) panels.fleet.update(this.data.page, serverNow);
    if (parts.has('alerts')) {
      // Alerts of kiosks on the page show their store; others show the kiosk id.
      const onPage = new Map((this.data.page?.kiosks ?? []).map((kiosk) => [kiosk.kioskId, kiosk]));
      panels.alerts.update(this.data.alerts.values(), onPage, serverNow);
    }
    if (parts.has('charts') && this.data.series) panels.charts.update(this.data.series);
  }

  private stopLive(): void {
    this.live?.close();
    this.live = undefined;
    if (this.ageTimer !== undefined) clearInterval(this.ageTimer);
    if (this.fleetTimer !== undefined) clearInterval(this.fleetTimer);
    this.ageTimer = undefined;
    this.fleetTimer = undefined;
    if (this.frame !== undefined) clearTimeout(this.frame);
    this.frame = undefined;
    this.panels?.charts.destroy();
    this.panels = undefined;
  }
}
