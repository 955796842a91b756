import type { FleetGroup } from '../../../contract/fleet-overview';
import { KIOSK_CONDITIONS, type KioskCondition } from '../../../contract/kiosk-conditions';
import { prefectureOf } from '../../../contract/prefectures';
import { h } from '../../../../web/dom';
import type { Translator } from '../i18n';
import { CONDITION_HEALTH, groupsBy } from '../overview-model';
import { HEALTH_ICON } from './health-badge';

/** Clicking a count narrows the kiosk table to it. */
export interface OverviewFilterRequest {
  chain?: string;
  prefecture?: string;
  condition?: KioskCondition;
}

/** A prefecture's name in the operator's language (`00`: registered without one). */
export function prefectureName(t: Translator, code: string): string {
  const prefecture = prefectureOf(code);
  if (!prefecture) return t.t('overview.unknownPrefecture');
  return t.language === 'ja' ? prefecture.ja : prefecture.en;
}

export function chainName(t: Translator, chain: string): string {
  return t.has(`chain.${chain}`) ? t.t(`chain.${chain}`) : chain;
}

/**
 * The nation at a glance: chains × condition (a table whose every count filters the kiosk table)
 * and the prefectures with their totals and problems, north to south.
 */
export function overviewView(
  t: Translator,
  summary: ReadonlyMap<string, FleetGroup>,
  onFilter: (request: OverviewFilterRequest) => void,
): HTMLElement {
  const countButton = (value: number, request: OverviewFilterRequest, label: string, className = '') =>
    value === 0
      ? h('span', { class: 'muted' }, '0')
      : h(
          'button',
          { type: 'button', class: `count-link ${className}`, 'aria-label': label },
          t.count(value),
        );
  const wire = (cell: HTMLElement, request: OverviewFilterRequest) => {
    cell.querySelector('button')?.addEventListener('click', () => onFilter(request));
    return cell;
  };
  const conditionHead = (condition: KioskCondition) =>
    h(
      'th',
      { scope: 'col', class: `cond cond-${CONDITION_HEALTH[condition]}` },
      h('span', { class: 'icon', 'aria-hidden': 'true' }, HEALTH_ICON[CONDITION_HEALTH[condition]]),
      t.t(`condition.${condition}`),
    );
  const chainRow = (group: FleetGroup, name: string, request: OverviewFilterRequest, isTotal = false) =>
    h(
      'tr',
      { 'data-group': `${group.by}:${group.key}`, class: isTotal ? 'total' : '' },
      h('th', { scope: 'row' }, name),
      ...KIOSK_CONDITIONS.map((condition) =>
        wire(
          h(
            'td',
            { 'data-condition': condition, class: 'num' },
            countButton(
              group.counts[condition],
              { ...request, condition },
              `${name} ${t.t(`condition.${condition}`)} ${t.count(group.counts[condition])}`,
            ),
          ),
          { ...request, condition },
        ),
      ),
      wire(
        h(
          'td',
          { 'data-condition': 'total', class: 'num strong' },
          countButton(group.total, request, t.t('overview.showKiosks', { name })),
        ),
        request,
      ),
    );
  const fleet = groupsBy(summary, 'fleet')[0];
  const chains = groupsBy(summary, 'chain');
  const prefectures = groupsBy(summary, 'prefecture');
  const chainTable = h(
    'table',
    { class: 'overview-table', 'data-overview': 'chains' },
    h('caption', {}, t.t('overview.byChain')),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, t.t('col.chain')),
        ...KIOSK_CONDITIONS.map(conditionHead),
        h('th', { scope: 'col' }, t.t('overview.total')),
      ),
    ),
    h(
      'tbody',
      {},
      ...chains.map((group) => chainRow(group, chainName(t, group.key), { chain: group.key })),
      fleet ? chainRow(fleet, t.t('overview.total'), {}, true) : null,
    ),
  );
  const prefectureList = h(
    'div',
    { class: 'prefecture-scroll' },
    h(
      'table',
      { class: 'overview-table prefectures', 'data-overview': 'prefectures' },
      h('caption', {}, t.t('overview.byPrefecture')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t.t('col.prefecture')),
          h('th', { scope: 'col' }, t.t('overview.total')),
          conditionHead('alerting'),
          conditionHead('offline'),
          conditionHead('in-session'),
        ),
      ),
      h(
        'tbody',
        {},
        ...prefectures.map((group) => {
          const name = prefectureName(t, group.key);
          const request = { prefecture: group.key };
          const cell = (condition: KioskCondition) =>
            wire(
              h(
                'td',
                { class: 'num', 'data-condition': condition },
                countButton(
                  group.counts[condition],
                  { ...request, condition },
                  `${name} ${t.t(`condition.${condition}`)} ${t.count(group.counts[condition])}`,
                ),
              ),
              { ...request, condition },
            );
          return h(
            'tr',
            { 'data-group': `prefecture:${group.key}` },
            h('th', { scope: 'row' }, name),
            wire(
              h(
                'td',
                { class: 'num strong', 'data-condition': 'total' },
                countButton(group.total, request, t.t('overview.showKiosks', { name })),
              ),
              request,
            ),
            cell('alerting'),
            cell('offline'),
            cell('in-session'),
          );
        }),
      ),
    ),
  );
  return h(
    'section',
    {
      class: 'panel overview',
      'aria-label': t.t('overview.title'),
      'data-overview-loaded': fleet ? 'true' : 'false',
    },
    h('div', { class: 'overview-grid' }, h('div', { class: 'table-scroll' }, chainTable), prefectureList),
  );
}
