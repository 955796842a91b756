import type { FleetAlert } from '../../../contract/admin';
import type { KioskPageResponse } from '../../../contract/ops-kiosk';
import { button, h, replaceChildren } from '../../../../web/dom';
import type { OpsApi } from '../api-client';
import type { Translator } from '../i18n';

/** How often an open kiosk page reloads (heartbeats come every ~10 s). */
const REFRESH_MS = 10_000;

export interface KioskPageOptions {
  api: OpsApi;
  t: Translator;
  role: 'admin' | 'viewer';
  kioskId: string;
}

/**
 * One kiosk's page (`#/kiosks/<kioskId>`): identity, what operators asked of it, the last 24 hours
 * (sessions by outcome and code, reader events, API refusals, alerts and who acknowledged them,
 * operator actions) and, for admins, the remote actions. Reloads itself; text nodes only.
 */
export class KioskPageView {
  readonly element = h('section', { class: 'kiosk-page', 'data-view': 'kiosk-page' });
  private timer: ReturnType<typeof setInterval> | undefined;
  private notice = '';

  constructor(private readonly options: KioskPageOptions) {
    replaceChildren(this.element, h('p', {}, options.t.t('kioskPage.loading')));
    void this.load();
    this.timer = setInterval(() => void this.load(), REFRESH_MS);
  }

  destroy(): void {
    clearInterval(this.timer);
    this.element.remove();
  }

  private async load(): Promise<void> {
    const { api, kioskId, t } = this.options;
    try {
      this.render(await api.kioskPage(kioskId));
    } catch {
      replaceChildren(
        this.element,
        backLink(t),
        h('p', { class: 'kiosk-page-error' }, t.t('kioskPage.notFound')),
      );
    }
  }

  private async act(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
      this.notice = '';
    } catch {
      this.notice = this.options.t.t('kioskPage.actionFailed');
    }
    await this.load();
  }

  private render(page: KioskPageResponse): void {
    const { t } = this.options;
    const { kiosk, identity } = page;
    const facts: [string, string][] = [
      [t.t('kioskPage.chain'), t.has(`chain.${kiosk.chain}`) ? t.t(`chain.${kiosk.chain}`) : kiosk.chain],
      [t.t('kioskPage.store'), kiosk.storeId],
      [t.t('kioskPage.status'), t.t(`status.${kiosk.status}`)],
      [
        t.t('kioskPage.screen'),
        kiosk.state === null
          ? '—'
          : t.has(`state.${kiosk.state}`)
            ? t.t(`state.${kiosk.state}`)
            : kiosk.state,
      ],
      [t.t('kioskPage.reader'), kiosk.reader ?? '—'],
      [t.t('kioskPage.version'), kiosk.version ?? '—'],
      [t.t('kioskPage.os'), identity.os ?? '—'],
      [t.t('kioskPage.readerModel'), identity.readerModel ?? '—'],
      [t.t('kioskPage.lastSeen'), kiosk.lastSeenAt === null ? '—' : t.ago(kiosk.lastSeenAt, page.serverTime)],
      [
        t.t('kioskPage.clockSkew'),
        kiosk.clockSkewMs === null
          ? '—'
          : t.t('kioskPage.seconds', { seconds: Math.round(kiosk.clockSkewMs / 1000) }),
      ],
      [t.t('kioskPage.registered'), t.timestamp(identity.registeredAt)],
    ];
    replaceChildren(
      this.element,
      backLink(t),
      h('h2', { 'data-field': 'kiosk-id' }, kiosk.kioskId),
      h(
        'dl',
        { class: 'kiosk-facts' },
        ...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
      ),
      this.controlSection(page),
      this.timelineSection(page),
      section(
        t.t('kioskPage.sessions'),
        'sessions',
        table(
          [t.t('kioskPage.time'), t.t('kioskPage.outcome'), t.t('kioskPage.code'), t.t('kioskPage.class')],
          page.sessions.map((s) => [
            t.timestamp(s.at),
            t.t(`kioskPage.outcome.${s.outcome}`),
            s.outcome === 'failed'
              ? `${s.displayCode ?? ''} ${t.has(`cause.${s.cause}`) ? t.t(`cause.${s.cause}`) : s.cause}`.trim()
              : '',
            s.failureClass === null ? '' : t.t(`class.${s.failureClass}`),
          ]),
        ),
      ),
      section(
        t.t('kioskPage.readerEvents'),
        'reader-events',
        table(
          [t.t('kioskPage.time'), t.t('kioskPage.event'), t.t('kioskPage.detail')],
          page.readerEvents.map((e) => [t.timestamp(e.at), `${e.kind} ${e.name}`, e.detail ?? '']),
        ),
      ),
      section(
        t.t('kioskPage.refusals'),
        'refusals',
        table(
          [t.t('kioskPage.code'), t.t('kioskPage.class'), t.t('kioskPage.count')],
          page.refusals.map((r) => [r.code, t.t(`class.${r.failureClass}`), t.count(r.count)]),
        ),
      ),
      section(
        t.t('kioskPage.alerts'),
        'alerts',
        table(
          [
            t.t('kioskPage.alert'),
            t.t('kioskPage.opened'),
            t.t('kioskPage.resolved'),
            t.t('kioskPage.acknowledgedBy'),
          ],
          page.alerts.map((a) => alertRow(t, a)),
        ),
      ),
      section(
        t.t('kioskPage.actions'),
        'actions',
        table(
          [
            t.t('kioskPage.time'),
            t.t('kioskPage.operator'),
            t.t('kioskPage.action'),
            t.t('kioskPage.outcome'),
          ],
          page.actions.map((a) => [
            t.timestamp(a.at),
            a.actor.replace(/^operator:/, ''),
            a.action,
            a.outcome,
          ]),
        ),
      ),
    );
  }

  private controlSection(page: KioskPageResponse): HTMLElement {
    const { t, role, api, kioskId } = this.options;
    const { maintenance, selfTest } = page.control;
    const state = maintenance
      ? t.t('kioskPage.inMaintenance', {
          reason: maintenance.reason,
          by: maintenance.by,
          since: t.timestamp(maintenance.since),
        })
      : t.t('kioskPage.inService');
    const test = selfTest
      ? selfTest.result === null
        ? t.t('kioskPage.selfTestPending', {
            by: selfTest.requestedBy,
            at: t.timestamp(selfTest.requestedAt),
          })
        : t.t(`kioskPage.selfTest.${selfTest.result}`, {
            at: t.timestamp(selfTest.reportedAt ?? selfTest.requestedAt),
            detail: selfTest.detail ?? '',
          })
      : '';
    const children: (HTMLElement | string)[] = [
      h(
        'p',
        { 'data-field': 'maintenance', 'data-state': maintenance ? 'maintenance' : 'in-service' },
        state,
      ),
    ];
    if (test) children.push(h('p', { 'data-field': 'self-test' }, test));
    if (role === 'admin') {
      const reason = h('input', {
        type: 'text',
        name: 'reason',
        maxlength: 200,
        placeholder: t.t('kioskPage.reasonPlaceholder'),
        'aria-label': t.t('kioskPage.reason'),
      });
      children.push(
        h(
          'div',
          { class: 'kiosk-actions' },
          maintenance
            ? button(
                { 'data-action': 'in-service' },
                t.t('kioskPage.bringBack'),
                () => void this.act(() => api.inService(kioskId)),
              )
            : h(
                'span',
                {},
                reason,
                button({ 'data-action': 'out-of-service' }, t.t('kioskPage.putOutOfService'), () => {
                  const text = reason.value.trim();
                  if (text === '') {
                    reason.focus();
                    return;
                  }
                  void this.act(() => api.outOfService(kioskId, text));
                }),
              ),
          button(
            { 'data-action': 'self-test' },
            t.t('kioskPage.askSelfTest'),
            () => void this.act(() => api.selfTest(kioskId)),
          ),
        ),
      );
    } else {
      children.push(h('p', { class: 'note', 'data-field': 'viewer-note' }, t.t('kioskPage.viewerNote')));
    }
    if (this.notice) children.push(h('p', { class: 'kiosk-page-error' }, this.notice));
    return section(t.t('kioskPage.control'), 'control', ...children);
  }

  private timelineSection(page: KioskPageResponse): HTMLElement {
    const { t } = this.options;
    const busiest = Math.max(1, ...page.timeline.map((p) => p.completed + p.cancelled + p.failed));
    const bars = page.timeline.map((p) => {
      const total = p.completed + p.cancelled + p.failed;
      const label = t.t('kioskPage.hour', {
        at: t.timestamp(p.at),
        completed: p.completed,
        cancelled: p.cancelled,
        failed: p.failed,
      });
      return h(
        'div',
        { class: 'timeline-bar', title: label, 'aria-label': label, 'data-total': total },
        h('span', { class: `fill-completed h${Math.round((p.completed / busiest) * 10)}` }),
        h('span', { class: `fill-failed h${Math.round((p.failed / busiest) * 10)}` }),
      );
    });
    const totals = page.timeline.reduce(
      (sum, p) => ({
        completed: sum.completed + p.completed,
        cancelled: sum.cancelled + p.cancelled,
        failed: sum.failed + p.failed,
      }),
      { completed: 0, cancelled: 0, failed: 0 },
    );
    const classes = page.failuresByClass;
    return section(
      t.t('kioskPage.timeline'),
      'timeline',
      h('p', { 'data-field': 'timeline-totals' }, t.t('kioskPage.timelineTotals', totals)),
      h(
        'p',
        { 'data-field': 'failure-classes' },
        t.t('kioskPage.failureClasses', {
          customer: classes.customer,
          device: classes.device,
          network: classes.network,
          service: classes.service,
        }),
      ),
      h('div', { class: 'timeline-bars' }, ...bars),
    );
  }
}

function backLink(t: Translator): HTMLElement {
  return h('a', { href: '#/', class: 'back-link' }, t.t('kioskPage.back'));
}

function section(title: string, name: string, ...children: (Node | string)[]): HTMLElement {
  return h('section', { class: 'kiosk-section', 'data-section': name }, h('h3', {}, title), ...children);
}

function table(headers: string[], rows: string[][]): HTMLElement {
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...headers.map((text) => h('th', {}, text)))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((text) => h('td', {}, text))))),
  );
}

function alertRow(t: Translator, alert: FleetAlert): string[] {
  const title = t.has(`alert.${alert.kind}.title`) ? t.t(`alert.${alert.kind}.title`) : alert.kind;
  return [
    title,
    t.timestamp(alert.openedAt),
    alert.resolvedAt === null ? t.t('kioskPage.open') : t.timestamp(alert.resolvedAt),
    alert.acknowledgedBy === null
      ? ''
      : `${alert.acknowledgedBy} ${t.timestamp(alert.acknowledgedAt ?? alert.openedAt)}`,
  ];
}
