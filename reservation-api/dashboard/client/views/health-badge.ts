import type { AlertSeverity } from '../../../contract/admin';
import { h } from '../../../../web/dom';
import type { KioskHealth } from '../fleet-model';
import type { Translator } from '../i18n';

/** Shapes differ as well as colours, so the board reads without colour vision too. */
export const HEALTH_ICON: Record<KioskHealth, string> = {
  critical: '✖',
  warning: '▲',
  ok: '✔',
  revoked: '—',
};
export const SEVERITY_ICON: Record<AlertSeverity, string> = { critical: '✖', warning: '▲' };

/** A kiosk's health as icon + word on its colour. */
export function healthBadge(t: Translator, health: KioskHealth): HTMLElement {
  return h(
    'span',
    { class: `badge badge-${health}` },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, HEALTH_ICON[health]),
    t.t(`health.${health}`),
  );
}

/** An alert's severity as icon + word on its colour. */
export function severityBadge(t: Translator, severity: AlertSeverity): HTMLElement {
  return h(
    'span',
    { class: `badge badge-${severity}` },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, SEVERITY_ICON[severity]),
    t.t(`severity.${severity}`),
  );
}
