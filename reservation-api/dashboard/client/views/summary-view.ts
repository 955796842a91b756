import type { FleetGroup, OpsStatsResponse } from '../../../contract/admin';
import { h } from '../../../../web/dom';
import type { Translator } from '../i18n';
import { HEALTH_ICON } from './health-badge';

export interface SummaryOptions {
  /** The whole fleet's counts (undefined until loaded). */
  fleet: FleetGroup | undefined;
  openAlerts: number;
  stats: OpsStatsResponse | undefined;
}

function tile(kind: string, label: string, value: string, icon?: string): HTMLElement {
  return h(
    'div',
    { class: `tile tile-${kind}`, 'data-stat': kind },
    h(
      'span',
      { class: 'tile-label' },
      icon ? h('span', { class: 'icon', 'aria-hidden': 'true' }, icon) : null,
      label,
    ),
    h('span', { class: 'tile-value' }, value),
  );
}

/** The strip of numbers: kiosks by condition, open alerts, reservations by status. */
export function summaryView(t: Translator, options: SummaryOptions): HTMLElement {
  const { fleet, stats } = options;
  const reservations = stats?.reservations;
  const count = (value: number | undefined) => (value === undefined ? '—' : t.count(value));
  return h(
    'section',
    { class: 'summary', 'aria-label': t.t('summary.kiosks') },
    h(
      'div',
      { class: 'tile-group' },
      tile('kiosks', t.t('summary.kiosks'), count(fleet?.total)),
      tile('alerting', t.t('summary.alerting'), count(fleet?.counts.alerting), HEALTH_ICON.critical),
      tile('offline', t.t('summary.offline'), count(fleet?.counts.offline), HEALTH_ICON.critical),
      tile('in-session', t.t('summary.inSession'), count(fleet?.counts['in-session']), HEALTH_ICON.ok),
      tile('open-alerts', t.t('summary.openAlerts'), count(options.openAlerts)),
    ),
    h(
      'div',
      { class: 'tile-group reservations' },
      h(
        'h2',
        {},
        t.t('reservations.title'),
        h(
          'span',
          { class: 'tile-note', 'data-stat': 'created-24h' },
          t.t('reservations.createdLast24h', { count: count(reservations?.createdLast24h) }),
        ),
      ),
      tile('active', t.t('reservations.active'), count(reservations?.active)),
      tile('completed', t.t('reservations.completed'), count(reservations?.completed)),
      tile('expired', t.t('reservations.expired'), count(reservations?.expired)),
    ),
  );
}
