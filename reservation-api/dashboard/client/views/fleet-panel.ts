import { h, replaceChildren } from '../../../../web/dom';
import { type FleetFilter, filterOptions, filterRows, type KioskRow, type StateFilter } from '../fleet-model';
import type { Translator } from '../i18n';
import { healthBadge } from './health-badge';

/** Rows drawn at most: a browser stays responsive with thousands of kiosks in the fleet. */
export const MAX_ROWS = 300;

/**
 * The part of a kiosk id after its chain and store (`lawson-0042-k3c4d5` → `k3c4d5`): the row
 * already shows both, and the full id stays in the tooltip and the alert list.
 */
export function shortKioskId(kioskId: string, chain: string, storeId: string): string {
  // Ids are minted in lower case (`seven-eleven-s0-k76c15f` for store S0).
  const prefix = `${chain}-${storeId}-`.toLowerCase();
  return kioskId.toLowerCase().startsWith(prefix) && kioskId.length > prefix.length
    ? kioskId.slice(prefix.length)
    : kioskId;
}

/**
 * The kiosk board: filters (chain, store, state) and one row per kiosk, problems first. The
 * filter controls are rebuilt only when the values they offer change, so a live update never
 * closes a menu the operator has open.
 */
export class FleetPanel {
  readonly element: HTMLElement;
  private readonly count = h('span', { class: 'panel-count', 'data-fleet-count': '' });
  private readonly filters = h('div', { class: 'filters' });
  private readonly body = h('tbody');
  private optionsKey = '';

  constructor(
    private readonly t: Translator,
    private filter: FleetFilter,
    private readonly onFilter: (filter: FleetFilter) => void,
  ) {
    const column = (key: string, className = '') => h('th', { scope: 'col', class: className }, t.t(key));
    this.element = h(
      'section',
      { class: 'panel fleet', 'aria-labelledby': 'fleet-title' },
      h(
        'div',
        { class: 'panel-head' },
        h('h2', { id: 'fleet-title' }, t.t('fleet.title')),
        this.count,
        this.filters,
      ),
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'fleet-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              column('col.health', 'col-health'),
              column('col.chain'),
              column('col.store'),
              column('col.kiosk'),
              column('col.state'),
              column('col.reader'),
              column('col.lastSeen'),
              column('col.alert', 'col-alert'),
            ),
          ),
          this.body,
        ),
      ),
    );
  }

  /** Draws the rows (all kiosks, sorted); `serverNow` is the server's clock for "last seen". */
  update(rows: readonly KioskRow[], serverNow: number): void {
    this.renderFilters(rows);
    const shown = filterRows(rows, this.filter);
    this.count.textContent = this.t.t('fleet.count', {
      shown: this.t.count(shown.length),
      total: this.t.count(rows.length),
    });
    if (shown.length === 0) {
      replaceChildren(
        this.body,
        h('tr', {}, h('td', { colspan: 8, class: 'empty' }, this.t.t('fleet.empty'))),
      );
      return;
    }
    // Problems come first, so the rows left out are the healthy tail; filters reach the rest.
    const drawn = shown.slice(0, MAX_ROWS);
    replaceChildren(
      this.body,
      ...drawn.map((row) => this.row(row, serverNow)),
      shown.length > drawn.length
        ? h(
            'tr',
            { 'data-rows-left-out': shown.length - drawn.length },
            h(
              'td',
              { colspan: 8, class: 'empty' },
              this.t.t('fleet.more', { count: this.t.count(shown.length - drawn.length) }),
            ),
          )
        : null,
    );
  }

  private row(row: KioskRow, serverNow: number): HTMLElement {
    const { t } = this;
    const { kiosk, health, alerts } = row;
    // A retired kiosk's last reader report means nothing any more.
    const reader = kiosk.status === 'revoked' ? 'unknown' : (kiosk.reader ?? 'unknown');
    const top = alerts[0];
    const alertCell =
      top === undefined
        ? kiosk.alerts.length > 0
          ? h(
              'span',
              { class: health === 'critical' ? 'alert-critical' : 'alert-warning' },
              t.t(`alert.${kiosk.alerts[0]}.title`),
            )
          : h('span', { class: 'muted' }, t.t('alert.none'))
        : h(
            'span',
            { class: `alert-${top.severity}` },
            t.t(`alert.${top.kind}.title`),
            alerts.length > 1
              ? h('span', { class: 'more' }, t.t('alert.more', { count: alerts.length - 1 }))
              : null,
          );
    return h(
      'tr',
      { class: `row-${health}`, 'data-kiosk-id': kiosk.kioskId, 'data-health': health },
      h('td', { class: 'col-health' }, healthBadge(t, health)),
      h('td', {}, this.chainLabel(kiosk.chain)),
      h('td', {}, kiosk.storeId),
      h(
        'td',
        { class: 'mono', title: kiosk.kioskId },
        shortKioskId(kiosk.kioskId, kiosk.chain, kiosk.storeId),
      ),
      h(
        'td',
        { 'data-cell': 'state' },
        kiosk.status === 'online' ? (kiosk.state === null ? '—' : this.stateLabel(kiosk.state)) : '',
        kiosk.status === 'online'
          ? null
          : h('span', { class: `status status-${kiosk.status}` }, t.t(`status.${kiosk.status}`)),
      ),
      h(
        'td',
        { 'data-cell': 'reader' },
        h('span', { class: `reader reader-${reader}` }, t.t(`reader.${reader}`)),
        kiosk.cardPresent ? h('span', { class: 'card-tag' }, t.t('card.present')) : null,
      ),
      h(
        'td',
        { 'data-cell': 'last-seen', class: kiosk.status === 'stale' ? 'late' : '' },
        kiosk.lastSeenAt === null
          ? t.t('lastSeen.never')
          : h('span', { title: t.timestamp(kiosk.lastSeenAt) }, t.ago(kiosk.lastSeenAt, serverNow)),
      ),
      h('td', { class: 'col-alert', 'data-cell': 'alert' }, alertCell),
    );
  }

  private chainLabel(chain: string): string {
    return this.t.has(`chain.${chain}`) ? this.t.t(`chain.${chain}`) : chain;
  }

  private stateLabel(state: string): string {
    return this.t.has(`state.${state}`) ? this.t.t(`state.${state}`) : state;
  }

  private renderFilters(rows: readonly KioskRow[]): void {
    const options = filterOptions(rows, this.filter.chain);
    const key = JSON.stringify([options, this.filter]);
    if (key === this.optionsKey) return;
    this.optionsKey = key;
    const { t } = this;
    const select = (
      id: string,
      label: string,
      value: string,
      choices: HTMLOptionElement[] | HTMLOptGroupElement[],
      apply: (value: string) => FleetFilter,
    ) => {
      const control = h('select', { id, name: id }, ...choices);
      control.value = value;
      control.addEventListener('change', () => {
        this.filter = apply(control.value);
        this.optionsKey = '';
        this.onFilter(this.filter);
      });
      return h('label', { class: 'filter' }, h('span', {}, label), control);
    };
    const option = (value: string, text: string) => h('option', { value }, text);
    const all = option('', t.t('filter.all'));
    const stateLabel = (state: string) => (t.has(`state.${state}`) ? t.t(`state.${state}`) : state);
    replaceChildren(
      this.filters,
      select(
        'filter-chain',
        t.t('filter.chain'),
        this.filter.chain,
        [all, ...options.chains.map((chain) => option(chain, this.chainLabel(chain)))],
        (chain) => ({ ...this.filter, chain, store: '' }),
      ),
      select(
        'filter-store',
        t.t('filter.store'),
        this.filter.store,
        [option('', t.t('filter.all')), ...options.stores.map((store) => option(store, store))],
        (store) => ({ ...this.filter, store }),
      ),
      select(
        'filter-state',
        t.t('filter.state'),
        this.filter.state,
        [
          h(
            'optgroup',
            { label: t.t('filter.groupHealth') },
            option('all', t.t('filter.all')),
            option('attention', t.t('filter.attention')),
            ...(['critical', 'warning', 'ok', 'revoked'] as const).map((health) =>
              option(`health:${health}`, t.t(`health.${health}`)),
            ),
          ),
          h(
            'optgroup',
            { label: t.t('filter.groupStatus') },
            ...options.statuses.map((status) => option(`status:${status}`, t.t(`status.${status}`))),
          ),
          h(
            'optgroup',
            { label: t.t('filter.groupScreen') },
            ...options.screens.map((screen) => option(`screen:${screen}`, stateLabel(screen))),
          ),
        ],
        (state) => ({ ...this.filter, state: state as StateFilter }),
      ),
    );
  }
}
