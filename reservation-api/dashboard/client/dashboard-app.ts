import type { OpsStreamEvent, WhoAmIResponse } from '../../contract/admin';
import { OpsApi, OpsApiError, type SeriesBucket } from './api-client';
import { applyEvent, type DashboardData, type DataPart, emptyData, loadSnapshot } from './dashboard-data';
import { h, replaceChildren } from './dom';
import { type FleetFilter, fleetRows, healthCounts, NO_FILTER, openAlerts } from './fleet-model';
import { type DashboardLanguage, Translator } from './i18n';
import { type ConnectionState, type LiveUpdates, openLiveUpdates } from './live-updates';
import { seriesFrom } from './series-model';
import { AlertsPanel } from './views/alerts-panel';
import { ChartPanels } from './views/charts';
import { FleetPanel } from './views/fleet-panel';
import { headerView } from './views/header-view';
import { loginView } from './views/login-view';
import { summaryView } from './views/summary-view';

/** Buckets per chart range: the last hour by minute, the last day by hour. */
const POINTS: Record<SeriesBucket, number> = { minute: 60, hour: 24 };
/** "Last seen 12 s ago" is redrawn this often even when nothing arrives. */
const AGE_REFRESH_MS = 5_000;
const LANGUAGE_KEY = 'ops-dashboard-language';

interface Panels {
  header: HTMLElement;
  summary: HTMLElement;
  fleet: FleetPanel;
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
  private filter: FleetFilter = NO_FILTER;
  private bucket: SeriesBucket = 'hour';
  private panels: Panels | undefined;
  private dirty = new Set<DataPart | 'header'>();
  private frame: number | undefined;
  private ageTimer: ReturnType<typeof setInterval> | undefined;
  /** Stream events that arrived while a snapshot was loading; undefined when no load is under way. */
  private heldEvents: OpsStreamEvent[] | undefined;

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
    this.operator = operator;
    this.root.dataset.view = 'dashboard';
    this.root.dataset.role = operator.role;
    this.buildBoard();
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
  }

  private buildBoard(): void {
    const operator = this.operator;
    if (!operator) return;
    this.panels?.charts.destroy();
    const fleet = new FleetPanel(this.t, this.filter, (filter) => {
      this.filter = filter;
      this.markDirty('fleet');
    });
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
    this.panels = { header: h('div'), summary: h('div'), fleet, alerts, charts };
    replaceChildren(
      this.root,
      this.panels.header,
      this.panels.summary,
      h('main', { class: 'board' }, fleet.element, alerts.element, charts.overTime, charts.byCause),
    );
    this.render(new Set(['header', 'summary', 'fleet', 'alerts', 'charts']));
  }

  private onStreamEvent(event: OpsStreamEvent): void {
    if (this.heldEvents) this.heldEvents.push(event);
    for (const part of applyEvent(this.data, event, Date.now())) this.markDirty(part);
  }

  /** Loads every list again (after each (re)connection), then re-applies events that raced the load. */
  private async reload(): Promise<void> {
    this.heldEvents = [];
    try {
      const [fleet, alerts, stats, series] = await Promise.all([
        this.api.fleet(),
        this.api.alerts(),
        this.api.stats(),
        this.api.sessions(this.bucket, POINTS[this.bucket]),
      ]);
      const held = this.heldEvents;
      this.heldEvents = undefined;
      loadSnapshot(this.data, { fleet, alerts, stats, series }, Date.now());
      // Whole-object events are safe to apply again; a session may or may not be in the series
      // just loaded, so the series is fetched once more instead of counting it twice.
      for (const event of held) if (event.event !== 'session') applyEvent(this.data, event, Date.now());
      if (held.some((event) => event.event === 'session')) await this.reloadSeries();
      this.root.dataset.loaded = 'true';
      this.markDirty('summary', 'fleet', 'alerts', 'charts');
    } catch (error) {
      this.heldEvents = undefined;
      if (error instanceof OpsApiError && error.unauthenticated) this.showLogin('login.expired');
      // Anything else: the stream's reconnection brings the next reload.
    }
  }

  private async reloadSeries(): Promise<void> {
    try {
      this.data.series = seriesFrom(await this.api.sessions(this.bucket, POINTS[this.bucket]));
      this.markDirty('charts');
    } catch (error) {
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
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      const dirty = this.dirty;
      this.dirty = new Set();
      this.render(dirty);
    });
  }

  private render(parts: Set<DataPart | 'header'>): void {
    const panels = this.panels;
    const operator = this.operator;
    if (!panels || !operator || this.root.dataset.view !== 'dashboard') return;
    const t = this.t;
    const serverNow = Date.now() + this.data.clockOffsetMs;
    const rows = fleetRows(this.data.kiosks.values(), this.data.alerts.values());
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
        health: healthCounts(rows),
        totalKiosks: rows.length,
        openAlerts: openAlerts(this.data.alerts.values()).length,
        stats: this.data.stats,
      });
      panels.summary.replaceWith(summary);
      panels.summary = summary;
    }
    if (parts.has('fleet')) panels.fleet.update(rows, serverNow);
    if (parts.has('alerts')) panels.alerts.update(this.data.alerts.values(), this.data.kiosks, serverNow);
    if (parts.has('charts') && this.data.series) panels.charts.update(this.data.series);
  }

  private stopLive(): void {
    this.live?.close();
    this.live = undefined;
    if (this.ageTimer !== undefined) clearInterval(this.ageTimer);
    this.ageTimer = undefined;
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    this.panels?.charts.destroy();
    this.panels = undefined;
  }
}
