import type { Connection } from './connection';
import { button, h } from './dom';
import { type Catalogues, type Translator, translator } from './i18n';
import { screenParts } from './screens';
import type { ViewModel } from './view-model';

/** Buttons for every other language, each labelled in its own language ("English", "日本語"). */
function languageSwitch(catalogues: Catalogues, current: string, connection: Connection): HTMLElement {
  const others = Object.keys(catalogues).filter((language) => language !== current);
  return h(
    'div',
    { class: 'languages' },
    ...others.map((language) =>
      button(
        { class: 'language', lang: language, 'data-language': language },
        catalogues[language]?.['language.name'] ?? language,
        () => connection.send({ type: 'language.select', language }),
      ),
    ),
  );
}

/** "Are you still there?": shown over any screen when the core warns of inactivity. */
function inactivityOverlay(tr: Translator, connection: Connection): HTMLElement {
  return h(
    'div',
    { class: 'overlay', role: 'alertdialog', 'aria-modal': 'true', 'data-overlay': 'inactivity' },
    h(
      'div',
      { class: 'dialog' },
      h('h2', { class: 'title' }, tr.t('inactivity.title')),
      h('p', { class: 'body' }, tr.t('inactivity.body')),
      button({ class: 'action action-primary', 'data-action': 'continue' }, tr.t('action.continue'), () =>
        connection.send({ type: 'session.continue' }),
      ),
    ),
  );
}

/** Shown while the stream to the kiosk core is down (EventSource is reconnecting). */
export function connectionLostOverlay(tr: Translator): HTMLElement {
  return h(
    'div',
    { class: 'overlay', role: 'alert', 'data-overlay': 'connection-lost' },
    h('div', { class: 'dialog' }, h('h2', { class: 'title' }, tr.t('connection.lost'))),
  );
}

/** The whole page for one view model: header with the language switch, the screen, its buttons. */
export function renderPage(vm: ViewModel, catalogues: Catalogues, connection: Connection): HTMLElement {
  const language = vm.language in catalogues ? vm.language : 'ja';
  const tr = translator(catalogues, language);
  const parts = screenParts(vm, tr, connection);
  return h(
    'div',
    { class: `page screen-${vm.screen}`, 'data-screen': vm.screen, lang: language },
    h(
      'header',
      { class: 'bar' },
      h('span', { class: 'service-name' }, tr.t('app.title')),
      languageSwitch(catalogues, language, connection),
    ),
    h('main', { class: 'content' }, ...parts.content),
    h('footer', { class: 'actions' }, ...parts.actions),
    vm.inactivityWarning ? inactivityOverlay(tr, connection) : null,
  );
}
