import type { FleetAlert, FleetKiosk, OperatorRole } from '../../../contract/admin';
import { button, h, replaceChildren } from '../../../../web/dom';
import { openAlerts } from '../fleet-model';
import type { Translator } from '../i18n';
import { shownDetail } from '../alert-detail-text';
import { severityBadge } from './health-badge';

/** How many resolved alerts stay listed under the open ones. */
const RECENT_RESOLVED = 8;

export interface AlertsPanelOptions {
  role: OperatorRole;
  /** Acknowledges one alert; resolves false when the API refused. */
  onAcknowledge(alertId: string): Promise<boolean>;
}

/**
 * Open alerts, most severe first, each with what it is about, what to do and (for admins) an
 * acknowledge button; then the most recently resolved ones, greyed. Viewers get no button: the
 * API would refuse them anyway.
 */
export class AlertsPanel {
  readonly element: HTMLElement;
  private readonly count = h('span', { class: 'panel-count', 'data-open-alerts': '' });
  private readonly list = h('div', { class: 'alert-list' });
  private readonly pending = new Set<string>();
  private readonly failed = new Set<string>();
  private last:
    { alerts: FleetAlert[]; kiosks: ReadonlyMap<string, FleetKiosk>; serverNow: number } | undefined;

  constructor(
    private readonly t: Translator,
    private readonly options: AlertsPanelOptions,
  ) {
    this.element = h(
      'section',
      { class: 'panel alerts', 'aria-labelledby': 'alerts-title' },
      h(
        'div',
        { class: 'panel-head' },
        h('h2', { id: 'alerts-title' }, t.t('alerts.title')),
        this.count,
        options.role === 'viewer' ? h('span', { class: 'viewer-note' }, t.t('alerts.viewerNote')) : null,
      ),
      this.list,
    );
  }

  update(alerts: Iterable<FleetAlert>, kiosks: ReadonlyMap<string, FleetKiosk>, serverNow: number): void {
    const all = [...alerts];
    this.last = { alerts: all, kiosks, serverNow };
    const { t } = this;
    const open = openAlerts(all);
    const resolved = all
      .filter((alert) => alert.resolvedAt !== null)
      .sort((a, b) => (b.resolvedAt ?? 0) - (a.resolvedAt ?? 0))
      .slice(0, RECENT_RESOLVED);
    this.count.textContent = t.t('alerts.openCount', { count: open.length });
    replaceChildren(
      this.list,
      open.length === 0
        ? h(
            'p',
            { class: 'none' },
            h('span', { class: 'icon', 'aria-hidden': 'true' }, '✔'),
            t.t('alerts.none'),
          )
        : null,
      ...open.map((alert) => this.item(alert, kiosks)),
      resolved.length > 0 ? h('h3', {}, t.t('alerts.recent')) : null,
      ...resolved.map((alert) => this.item(alert, kiosks)),
    );
  }

  private item(alert: FleetAlert, kiosks: ReadonlyMap<string, FleetKiosk>): HTMLElement {
    const { t } = this;
    const kiosk = alert.kioskId === null ? undefined : kiosks.get(alert.kioskId);
    const where =
      alert.kioskId === null
        ? t.t('alerts.fleetWide')
        : kiosk
          ? `${t.has(`chain.${kiosk.chain}`) ? t.t(`chain.${kiosk.chain}`) : kiosk.chain} ${kiosk.storeId} · ${kiosk.kioskId}`
          : alert.kioskId;
    const isOpen = alert.resolvedAt === null;
    const detail = shownDetail(t, alert);
    const facts: (HTMLElement | null)[] = [
      h('span', {}, t.t('alerts.opened', { time: t.timestamp(alert.openedAt) })),
      alert.acknowledgedAt !== null
        ? h(
            'span',
            { class: 'acknowledged', 'data-acknowledged-by': alert.acknowledgedBy ?? '' },
            '✔ ',
            t.t('alerts.acknowledged', {
              name: alert.acknowledgedBy ?? '?',
              time: t.timestamp(alert.acknowledgedAt),
            }),
          )
        : null,
      alert.resolvedAt !== null
        ? h('span', {}, t.t('alerts.resolved', { time: t.timestamp(alert.resolvedAt) }))
        : null,
    ];
    return h(
      'article',
      {
        class: `alert-item severity-${alert.severity}${isOpen ? '' : ' resolved'}${alert.acknowledgedAt === null ? '' : ' is-acknowledged'}`,
        'data-alert-id': alert.alertId,
        'data-kind': alert.kind,
        'data-kiosk-id': alert.kioskId ?? '',
        'data-state': isOpen ? 'open' : 'resolved',
        'data-acknowledged': String(alert.acknowledgedAt !== null),
      },
      h(
        'div',
        { class: 'alert-line' },
        severityBadge(t, alert.severity),
        h('strong', {}, t.t(`alert.${alert.kind}.title`)),
      ),
      h('div', { class: 'alert-where' }, where),
      isOpen ? h('div', { class: 'alert-action' }, '→ ', t.t(`alert.${alert.kind}.action`)) : null,
      detail ? h('div', { class: 'alert-detail', lang: detail.lang }, detail.text) : null,
      h(
        'div',
        { class: 'alert-footer' },
        h('div', { class: 'alert-facts' }, ...facts),
        this.acknowledgeControl(alert),
      ),
    );
  }

  private acknowledgeControl(alert: FleetAlert): HTMLElement | null {
    if (this.options.role !== 'admin' || alert.resolvedAt !== null || alert.acknowledgedAt !== null)
      return null;
    const { t } = this;
    const pending = this.pending.has(alert.alertId);
    const control = button(
      { class: 'acknowledge', disabled: pending, 'data-acknowledge': alert.alertId },
      t.t('alerts.acknowledge'),
      () => void this.acknowledge(alert.alertId),
    );
    return h(
      'div',
      { class: 'alert-buttons' },
      control,
      this.failed.has(alert.alertId)
        ? h('span', { class: 'ack-failed', role: 'alert' }, t.t('alerts.ackFailed'))
        : null,
    );
  }

  private async acknowledge(alertId: string): Promise<void> {
    this.pending.add(alertId);
    this.failed.delete(alertId);
    this.redraw();
    const ok = await this.options.onAcknowledge(alertId);
    this.pending.delete(alertId);
    if (!ok) this.failed.add(alertId);
    this.redraw();
  }

  private redraw(): void {
    if (this.last) this.update(this.last.alerts, this.last.kiosks, this.last.serverNow);
  }
}
