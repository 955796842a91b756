import type { WhoAmIResponse } from '../../../contract/admin';
import { button, h } from '../../../../web/dom';
import type { Translator } from '../i18n';
import type { ConnectionState } from '../live-updates';

export interface HeaderOptions {
  operator: WhoAmIResponse;
  connection: ConnectionState;
  onSwitchLanguage(): void;
  onLogout(): void;
}

const CONNECTION_ICON: Record<ConnectionState, string> = { live: '●', connecting: '◌', reconnecting: '⚠' };

/** Title, live-connection state, who is signed in and in which role, language, sign out. */
export function headerView(t: Translator, options: HeaderOptions): HTMLElement {
  const { operator, connection } = options;
  return h(
    'header',
    { class: 'topbar' },
    h('h1', {}, t.t('app.title'), h('span', { class: 'subtitle' }, t.t('app.subtitle'))),
    h(
      'span',
      { class: `connection connection-${connection}`, 'data-connection': connection, role: 'status' },
      h('span', { class: 'icon', 'aria-hidden': 'true' }, CONNECTION_ICON[connection]),
      t.t(`connection.${connection}`),
    ),
    h(
      'span',
      { class: 'operator', 'data-role': operator.role },
      t.t('header.operator', { name: operator.name, role: t.t(`role.${operator.role}`) }),
    ),
    button(
      {
        class: 'language',
        lang: t.language === 'ja' ? 'en' : 'ja',
        'aria-label': t.t('language.switchLabel'),
      },
      t.t('language.switch'),
      options.onSwitchLanguage,
    ),
    button({ class: 'logout' }, t.t('header.logout'), options.onLogout),
  );
}
