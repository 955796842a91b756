import type { Connection } from './connection';
import { button, h } from '../../../web/dom';
import { type Catalogues, recordingTranslator, type Translator, translator } from './i18n';
import { addFurigana } from './furigana';
import { actionButton, screenParts } from './screens';
import type { SpokenText } from './speech-events';
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

/** Large text in high contrast, one tap away on every screen; the same button goes back. */
function displaySwitch(vm: ViewModel, tr: Translator, connection: Connection): HTMLElement {
  const large = vm.display === 'large';
  return button(
    { class: 'display-switch', 'data-action': 'display', 'aria-pressed': String(large) },
    tr.t(large ? 'display.standard' : 'display.large'),
    () => connection.send({ type: 'display.select', mode: large ? 'standard' : 'large' }),
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

function overlay(
  name: string,
  role: 'alertdialog' | 'dialog',
  titleId: string,
  ...children: Array<HTMLElement | null>
) {
  return h(
    'div',
    { class: 'overlay', 'data-overlay': name },
    h('div', { class: 'dialog', role, 'aria-modal': 'true', 'aria-labelledby': titleId }, ...children),
  );
}

/**
 * "Are you still there?": shown over any waiting screen when the core warns of inactivity. One
 * action gives more time: its button, or any hard key (hard-keys.ts), as many times as needed.
 */
function inactivityOverlay(vm: ViewModel, tr: Translator, connection: Connection): HTMLElement {
  return overlay(
    'inactivity',
    'alertdialog',
    'inactivity-title',
    h('h2', { class: 'title', id: 'inactivity-title' }, tr.t('inactivity.title')),
    h('p', { class: 'body' }, tr.t('inactivity.body')),
    vm.inactivitySecondsLeft === undefined ? null : countdown(vm.inactivitySecondsLeft, tr),
    actionButton(
      'continue',
      tr.t('action.continue'),
      'primary',
      () => connection.send({ type: 'session.extend' }),
      {
        functionKeys: 'decide any',
        keyHint: tr.t('key.decide'),
        autofocus: true,
      },
    ),
  );
}

/** "Stop the procedure?": the safe answer (go on) has the focus; 取消 again stops. */
function confirmCancelOverlay(tr: Translator, connection: Connection): HTMLElement {
  return overlay(
    'confirm-cancel',
    'alertdialog',
    'confirm-cancel-title',
    h('h2', { class: 'title', id: 'confirm-cancel-title' }, tr.t('dialog.cancel.title')),
    h('p', { class: 'body' }, tr.t('dialog.cancel.body')),
    h('p', { class: 'note' }, tr.t('dialog.cancel.keys')),
    h(
      'div',
      { class: 'dialog-actions' },
      actionButton(
        'keep',
        tr.t('dialog.cancel.keep'),
        'primary',
        () => connection.send({ type: 'dialog.close' }),
        {
          functionKeys: 'back',
          keyHint: tr.t('key.back'),
          autofocus: true,
        },
      ),
      actionButton(
        'confirm-cancel',
        tr.t('dialog.cancel.confirm'),
        'secondary',
        () => connection.send({ type: 'cancel.confirm' }),
        { functionKeys: 'cancel', keyHint: tr.t('key.cancel') },
      ),
    ),
  );
}

/**
 * The help of the step: what it is, what is needed, the call centre and its hours, the keys. The
 * idle screen's help also gives the service hours and where to ask in person.
 */
function helpOverlay(vm: ViewModel, tr: Translator, connection: Connection): HTMLElement | null {
  const help = vm.help;
  if (!help) return null;
  const section = (label: string, text: string) =>
    h(
      'div',
      { class: 'help-section' },
      h('h3', { class: 'help-label' }, label),
      h('p', { class: 'help-text' }, text),
    );
  return overlay(
    'help',
    'dialog',
    'help-title',
    h('h2', { class: 'title', id: 'help-title' }, tr.t('help.title')),
    // The idle screen's longer help is laid out in two columns, so it fits the panel.
    h(
      'div',
      { class: help.hours || help.ask ? 'help-sections help-columns' : 'help-sections' },
      section(tr.t(help.whatLabel), tr.t(help.what)),
      section(tr.t('help.needLabel'), tr.t(help.need)),
      help.hours ? section(tr.t('help.hoursLabel'), tr.t('help.hours', help.hours)) : null,
      help.ask ? section(tr.t('help.askLabel'), tr.t(help.ask)) : null,
      section(tr.t('help.callLabel'), tr.t('help.callCentre', help.callCentre)),
    ),
    h('p', { class: 'note' }, tr.t('help.keys')),
    vm.pin?.keyboard === 'alphanumeric' ? h('p', { class: 'note' }, tr.t('keys.twoKey.hint')) : null,
    actionButton(
      'close-help',
      tr.t('help.close'),
      'primary',
      () => connection.send({ type: 'dialog.close' }),
      {
        functionKeys: 'decide back help',
        keyHint: tr.t('key.decide'),
        autofocus: true,
      },
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

/** The common buttons of the waiting screens, from the view model: やめる, 戻る, ヘルプ. */
function commonButtons(vm: ViewModel, tr: Translator, connection: Connection) {
  const send = (type: 'session.cancel' | 'session.back' | 'help.open') => () => connection.send({ type });
  return {
    start: [
      vm.canCancel
        ? actionButton('cancel', tr.t('action.cancel'), 'secondary', send('session.cancel'), {
            functionKeys: 'cancel',
            keyHint: tr.t('key.cancel'),
          })
        : null,
      vm.canGoBack
        ? actionButton('back', tr.t('action.back'), 'secondary', send('session.back'), {
            functionKeys: 'back',
            keyHint: tr.t('key.back'),
          })
        : null,
    ],
    help: vm.canHelp
      ? actionButton('help', tr.t('action.help'), 'secondary', send('help.open'), {
          functionKeys: 'help',
          keyHint: tr.t('key.help'),
        })
      : null,
  };
}

export interface RenderedPage {
  element: HTMLElement;
  /** The texts of the screen and its dialog, in order, for a speech player (speech-events.ts). */
  texts: SpokenText[];
}

export interface RenderOptions {
  /** The first key of a two-key letter is waiting for its second (two-key-letters.ts). */
  twoKeyPending?: boolean;
}

/** The whole page for one view model: header (display and language switches), the screen, its buttons, a dialog. */
export function renderPage(
  vm: ViewModel,
  catalogues: Catalogues,
  connection: Connection,
  options: RenderOptions = {},
): RenderedPage {
  const language = vm.language in catalogues ? vm.language : 'ja';
  const plain = translator(catalogues, language);
  const { tr, texts } = recordingTranslator(plain);
  const parts = screenParts(vm, { tr, connection, twoKeyPending: options.twoKeyPending ?? false });
  const common = commonButtons(vm, tr, connection);
  const screenTexts = texts.length;
  const dialog = vm.inactivityWarning
    ? inactivityOverlay(vm, tr, connection)
    : vm.dialog === 'confirm-cancel'
      ? confirmCancelOverlay(tr, connection)
      : vm.dialog === 'help'
        ? helpOverlay(vm, tr, connection)
        : null;
  // Under a dialog the screen is inert: no tap or focus reaches it, and it is not spoken.
  const inert = dialog ? { inert: true } : {};
  const spoken = dialog ? texts.slice(screenTexts) : texts;
  const element = h(
    'div',
    {
      class: `page screen-${vm.screen}${vm.display === 'large' ? ' display-large' : ''}`,
      'data-screen': vm.screen,
      'data-display': vm.display ?? 'standard',
      lang: language,
    },
    h(
      'header',
      { class: 'bar', ...inert },
      h('span', { class: 'service-name' }, plain.t('app.title')),
      h(
        'div',
        { class: 'switches' },
        displaySwitch(vm, plain, connection),
        languageSwitch(catalogues, language, connection),
      ),
    ),
    h('main', { class: 'content', ...inert }, ...parts.content),
    h(
      'footer',
      { class: 'actions', ...inert },
      h('div', { class: 'actions-start' }, ...common.start),
      h('div', { class: 'actions-end' }, common.help, parts.primary ?? null),
    ),
    dialog,
  );
  // Furigana on what the screen says, not on the small service name in the header.
  if (language === 'ja') {
    for (const part of Array.from(
      element.querySelectorAll<HTMLElement>(':scope > main, :scope > footer, :scope > .overlay'),
    )) {
      addFurigana(part);
    }
  }
  return { element, texts: spoken };
}
