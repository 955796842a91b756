import type { FunnelResponse } from '../../../contract/ops-kiosk';
import { h, replaceChildren } from '../../../../web/dom';
import type { OpsApi } from '../api-client';
import type { Translator } from '../i18n';

/**
 * The reservation funnel (`#/funnel`): per day (Japan time), procedure and chain of use, how many
 * reservations were made, found at a kiosk, verified (reset authorised), reset, and expired unused,
 * with the conversion. The same figures as `/v1/ops/funnel` and `/metrics`.
 */
export class FunnelView {
  readonly element = h('section', { class: 'kiosk-page', 'data-view': 'funnel' });

  constructor(
    private readonly api: OpsApi,
    private readonly t: Translator,
  ) {
    replaceChildren(this.element, h('p', {}, t.t('kioskPage.loading')));
    void this.load();
  }

  destroy(): void {
    this.element.remove();
  }

  private async load(): Promise<void> {
    try {
      this.render(await this.api.funnel());
    } catch {
      replaceChildren(this.element, h('p', { class: 'kiosk-page-error' }, this.t.t('funnel.unavailable')));
    }
  }

  private render(funnel: FunnelResponse): void {
    const { t } = this;
    const headers = [
      'day',
      'procedure',
      'chain',
      'reservations',
      'lookups',
      'verified',
      'completed',
      'expiredUnused',
      'conversion',
    ];
    replaceChildren(
      this.element,
      h('a', { href: '#/', class: 'back-link' }, t.t('kioskPage.back')),
      h('h2', {}, t.t('funnel.title', { from: funnel.from, to: funnel.to })),
      h(
        'table',
        { 'data-table': 'funnel' },
        h('thead', {}, h('tr', {}, ...headers.map((key) => h('th', {}, t.t(`funnel.${key}`))))),
        h(
          'tbody',
          {},
          ...funnel.rows.map((row) =>
            h(
              'tr',
              {},
              h('td', {}, row.day),
              h('td', {}, t.t(`funnel.procedure.${row.procedure}`)),
              h('td', {}, t.has(`chain.${row.chain}`) ? t.t(`chain.${row.chain}`) : t.t('funnel.noChain')),
              ...[row.reservations, row.lookups, row.verified, row.completed, row.expiredUnused].map((n) =>
                h('td', {}, t.count(n)),
              ),
              h('td', {}, `${(row.conversion * 100).toFixed(1)} %`),
            ),
          ),
        ),
      ),
    );
  }
}
