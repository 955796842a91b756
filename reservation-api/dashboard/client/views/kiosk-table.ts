import type { FleetKioskRow, KioskListPageResponse } from '../../../contract/fleet-overview';
import { KIOSK_CONDITIONS, type KioskCondition } from '../../../contract/kiosk-conditions';
import { PREFECTURES } from '../../../contract/prefectures';
import { h, replaceChildren } from '../../../../web/dom';
import type { Translator } from '../i18n';
import { CONDITION_HEALTH, type OverviewQuery, PAGE_SIZE } from '../overview-model';
import { HEALTH_ICON } from './health-badge';
import { chainName, prefectureName } from './overview-view';

/** Chains offered by the chain filter (restated: the bundle does not import the schema library). */
const CHAIN_FILTER = ['seven-eleven', 'familymart', 'lawson', 'ministop', 'aeon'];

/**
 * The part of a kiosk id after its chain and store (`lawson-0042-k3c4d5` → `k3c4d5`): the row
 * already shows both; the full id is in the link's title and the drill-down page.
 */
export function shortKioskId(kioskId: string, chain: string, storeId: string): string {
  const prefix = `${chain}-${storeId}-`.toLowerCase();
  return kioskId.toLowerCase().startsWith(prefix) && kioskId.length > prefix.length
    ? kioskId.slice(prefix.length)
    : kioskId;
}

/** The drill-down page of one kiosk (its own view, on this hash route). */
export function kioskHref(kioskId: string): string {
  return `#/kiosks/${encodeURIComponent(kioskId)}`;
}

/**
 * The kiosk table: filters (chain, prefecture, condition), a search of store name / store id /
 * kiosk id, one page of rows from the API and the pager. The controls are built once; a live
 * update redraws only the rows, so it never closes a menu or steals the search box's focus.
 */
export class KioskTable {
  readonly element: HTMLElement;
  private readonly body = h('tbody');
  private readonly range = h('span', { class: 'panel-count', 'data-fleet-count': '', 'aria-live': 'polite' });
  private readonly previous: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private readonly chain: HTMLSelectElement;
  private readonly prefecture: HTMLSelectElement;
  private readonly condition: HTMLSelectElement;
  private readonly search: HTMLInputElement;
  private page: KioskListPageResponse | undefined;

  constructor(
    private readonly t: Translator,
    private query: OverviewQuery,
    private readonly onQuery: (query: OverviewQuery) => void,
  ) {
    const option = (value: string, text: string) => h('option', { value }, text);
    this.chain = h(
      'select',
      { id: 'filter-chain', name: 'chain' },
      option('', t.t('filter.all')),
      ...CHAIN_FILTER.map((chain) => option(chain, chainName(t, chain))),
    );
    this.prefecture = h(
      'select',
      { id: 'filter-prefecture', name: 'prefecture' },
      option('', t.t('filter.all')),
      ...PREFECTURES.map((p) => option(p.code, prefectureName(t, p.code))),
      option('00', t.t('overview.unknownPrefecture')),
    );
    this.condition = h(
      'select',
      { id: 'filter-condition', name: 'condition' },
      option('', t.t('filter.all')),
      ...KIOSK_CONDITIONS.map((c) => option(c, t.t(`condition.${c}`))),
    );
    this.search = h('input', {
      id: 'filter-search',
      name: 'q',
      type: 'search',
      maxlength: '64',
      placeholder: t.t('filter.searchPlaceholder'),
      autocomplete: 'off',
    });
    for (const select of [this.chain, this.prefecture, this.condition]) {
      select.addEventListener('change', () => this.submit());
    }
    const form = h(
      'form',
      { class: 'filters', role: 'search' },
      h('label', { class: 'filter' }, h('span', {}, t.t('filter.chain')), this.chain),
      h('label', { class: 'filter' }, h('span', {}, t.t('filter.prefecture')), this.prefecture),
      h('label', { class: 'filter' }, h('span', {}, t.t('filter.condition')), this.condition),
      h('label', { class: 'filter search' }, h('span', {}, t.t('filter.search')), this.search),
      h('button', { type: 'submit' }, t.t('filter.searchButton')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.previous = h('button', { type: 'button', 'data-page': 'previous' }, t.t('pager.previous'));
    this.next = h('button', { type: 'button', 'data-page': 'next' }, t.t('pager.next'));
    this.previous.addEventListener('click', () => this.turn(-PAGE_SIZE));
    this.next.addEventListener('click', () => this.turn(PAGE_SIZE));
    const column = (key: string, className = '') => h('th', { scope: 'col', class: className }, t.t(key));
    this.element = h(
      'section',
      { class: 'panel fleet', 'aria-labelledby': 'fleet-title' },
      h('div', { class: 'panel-head' }, h('h2', { id: 'fleet-title' }, t.t('fleet.title')), this.range),
      form,
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
              column('col.condition', 'col-health'),
              column('col.chain'),
              column('col.store'),
              column('col.prefecture'),
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
      h('nav', { class: 'pager', 'aria-label': t.t('pager.label') }, this.previous, this.next),
    );
    this.showQuery(query);
  }

  /** Puts a query into the controls (a click in the overview sets filters from outside). */
  showQuery(query: OverviewQuery): void {
    this.query = query;
    this.chain.value = query.chain;
    this.prefecture.value = query.prefecture;
    this.condition.value = query.condition;
    if (document.activeElement !== this.search) this.search.value = query.search;
  }

  /** Draws a page; `serverNow` is the server's clock for "last seen". */
  update(page: KioskListPageResponse | undefined, serverNow: number): void {
    this.page = page;
    const { t } = this;
    if (!page) {
      this.range.textContent = t.t('fleet.loading');
      this.previous.disabled = true;
      this.next.disabled = true;
      return;
    }
    const from = page.total === 0 ? 0 : page.offset + 1;
    const to = page.offset + page.kiosks.length;
    this.range.textContent = t.t('pager.range', {
      from: t.count(from),
      to: t.count(to),
      total: t.count(page.total),
    });
    this.previous.disabled = page.offset === 0;
    this.next.disabled = to >= page.total;
    if (page.kiosks.length === 0) {
      replaceChildren(this.body, h('tr', {}, h('td', { colspan: 9, class: 'empty' }, t.t('fleet.empty'))));
      return;
    }
    replaceChildren(this.body, ...page.kiosks.map((row) => this.row(row, serverNow)));
  }

  private submit(): void {
    this.query = {
      chain: this.chain.value,
      prefecture: this.prefecture.value,
      condition: this.condition.value as KioskCondition | '',
      search: this.search.value,
      offset: 0,
    };
    this.onQuery(this.query);
  }

  private turn(by: number): void {
    const total = this.page?.total ?? 0;
    const offset = Math.max(0, Math.min(this.query.offset + by, Math.max(0, total - 1)));
    if (offset === this.query.offset) return;
    this.query = { ...this.query, offset };
    this.onQuery(this.query);
  }

  private row(kiosk: FleetKioskRow, serverNow: number): HTMLElement {
    const { t } = this;
    const health = CONDITION_HEALTH[kiosk.condition];
    const reader = kiosk.status === 'revoked' ? 'unknown' : (kiosk.reader ?? 'unknown');
    const alert = kiosk.alerts[0];
    return h(
      'tr',
      {
        class: `row-${health}`,
        'data-kiosk-id': kiosk.kioskId,
        'data-condition': kiosk.condition,
        'data-health': health,
      },
      h(
        'td',
        { class: 'col-health', 'data-cell': 'condition' },
        h(
          'span',
          { class: `badge badge-${health}` },
          h('span', { class: 'icon', 'aria-hidden': 'true' }, HEALTH_ICON[health]),
          t.t(`condition.${kiosk.condition}`),
        ),
      ),
      h('td', {}, chainName(t, kiosk.chain)),
      h(
        'td',
        { 'data-cell': 'store', title: kiosk.storeId },
        kiosk.storeName ?? h('span', { class: 'store-id' }, kiosk.storeId),
      ),
      h('td', {}, kiosk.prefecture === null ? '—' : prefectureName(t, kiosk.prefecture)),
      h(
        'td',
        { class: 'mono' },
        h(
          'a',
          { href: kioskHref(kiosk.kioskId), title: kiosk.kioskId },
          shortKioskId(kiosk.kioskId, kiosk.chain, kiosk.storeId),
        ),
      ),
      h(
        'td',
        { 'data-cell': 'state' },
        kiosk.state === null
          ? '—'
          : t.has(`state.${kiosk.state}`)
            ? t.t(`state.${kiosk.state}`)
            : kiosk.state,
      ),
      h(
        'td',
        { 'data-cell': 'reader' },
        h('span', { class: `reader reader-${reader}` }, t.t(`reader.${reader}`)),
        kiosk.cardPresent ? h('span', { class: 'card-tag' }, t.t('card.present')) : null,
      ),
      h(
        'td',
        { 'data-cell': 'last-seen', class: kiosk.condition === 'offline' ? 'late' : '' },
        kiosk.lastSeenAt === null
          ? t.t('lastSeen.never')
          : h('span', { title: t.timestamp(kiosk.lastSeenAt) }, t.ago(kiosk.lastSeenAt, serverNow)),
      ),
      h(
        'td',
        { class: 'col-alert', 'data-cell': 'alert' },
        alert === undefined
          ? h('span', { class: 'muted' }, t.t('alert.none'))
          : h(
              'span',
              { class: health === 'critical' ? 'alert-critical' : 'alert-warning' },
              t.t(`alert.${alert}.title`),
              kiosk.alerts.length > 1
                ? h('span', { class: 'more' }, t.t('alert.more', { count: kiosk.alerts.length - 1 }))
                : null,
            ),
      ),
    );
  }
}
