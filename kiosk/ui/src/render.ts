import type { Connection } from './connection';
import { button, h } from '../../../web/dom';
import { type Catalogues, type TextParams, type Translator, translator } from './i18n';
import { addFurigana } from './furigana';
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

/** How often the countdown is redrawn; it counts from the page's clock, so late ticks do not drift. */
const COUNTDOWN_TICK_MS = 250;

/**
 * "Seconds left: n", counted down in the page from the seconds the core gave when the warning
 * appeared (the core ends the session by its own timer; this is only what the customer sees).
 * The timer stops itself once the element has left the page (the next view model replaced it).
 */
function countdown(secondsLeft: number, tr: Translator): HTMLElement {
  const element = h('p', { class: 'countdown', 'data-seconds-left': secondsLeft });
  const startedAt = Date.now();
  const draw = (): number => {
    const left = Math.max(0, secondsLeft - Math.floor((Date.now() - startedAt) / 1000));
    element.textContent = tr.t('inactivity.secondsLeft', { seconds: left });
    element.dataset.secondsLeft = String(left);
    return left;
  };
  draw();
  let drawn = false;
  const timer = setInterval(() => {
    if (element.isConnected) drawn = true;
    else if (drawn) return clearInterval(timer);
    if (draw() === 0) clearInterval(timer);
  }, COUNTDOWN_TICK_MS);
  return element;
}

/** "Are you still there?": shown over any screen when the core warns of inactivity. */
function inactivityOverlay(vm: ViewModel, tr: Translator, connection: Connection): HTMLElement {
  return h(
    'div',
    { class: 'overlay', role: 'alertdialog', 'aria-modal': 'true', 'data-overlay': 'inactivity' },
    h(
      'div',
      { class: 'dialog' },
      h('h2', { class: 'title' }, tr.t('inactivity.title')),
      h('p', { class: 'body' }, tr.t('inactivity.body')),
      vm.inactivitySecondsLeft === undefined ? null : countdown(vm.inactivitySecondsLeft, tr),
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

/** A translator that also reports each text it gives, in order (what the voice guidance says). */
function reporting(tr: Translator, onText: (key: string, params?: TextParams) => void): Translator {
  return {
    ...tr,
    t(key, params) {
      onText(key, params);
      return tr.t(key, params);
    },
  };
}

/**
 * The whole page for one view model: header with the language switch, the screen, its buttons.
 * `onText` hears every catalogue text the page shows, in page order.
 */
export function renderPage(
  vm: ViewModel,
  catalogues: Catalogues,
  connection: Connection,
  onText: (key: string, params?: TextParams) => void = () => undefined,
): HTMLElement {
  const language = vm.language in catalogues ? vm.language : 'ja';
  const tr = reporting(translator(catalogues, language), onText);
  const parts = screenParts(vm, tr, connection);
  const page = h(
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
    vm.inactivityWarning ? inactivityOverlay(vm, tr, connection) : null,
  );
  // Furigana on what the screen says, not on the small service name in the header.
  if (language === 'ja') {
    for (const part of Array.from(
      page.querySelectorAll<HTMLElement>(':scope > main, :scope > footer, :scope > .overlay'),
    )) {
      addFurigana(part);
    }
  }
  return page;
}
