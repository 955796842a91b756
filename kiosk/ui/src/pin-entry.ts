import type { Connection } from './connection';
import { h } from '../../../web/dom';
import type { Translator } from './i18n';
import { keyboard } from './keyboards';
import { pinRuleKey } from './text-keys';
import type { CustomerErrorView, PinEntryView } from './view-model';

/**
 * One box per possible character, filled with a dot for each one typed. The boxes beyond the
 * minimum length are drawn dashed, so "how many more" is visible without reading.
 */
function pinDots(pin: PinEntryView, tr: Translator): HTMLElement {
  const boxes = Array.from({ length: pin.maxLength }, (_unused, index) =>
    h('span', {
      class: ['pin-box', index < pin.length ? 'filled' : '', index >= pin.minLength ? 'optional' : '']
        .filter(Boolean)
        .join(' '),
    }),
  );
  return h(
    'div',
    {
      class: 'pin-dots',
      role: 'img',
      'aria-label': tr.t('pin.typedCount', { count: pin.length }),
      'data-length': pin.length,
    },
    ...boxes,
  );
}

/** What went wrong with the last entry (wrong PIN, new PIN format, entries differ); the session goes on. */
function noticeBox(notice: CustomerErrorView, tr: Translator): HTMLElement {
  return h(
    'div',
    { class: 'notice', role: 'alert', 'data-notice': notice.code },
    h('strong', { class: 'notice-title' }, tr.t(notice.texts.title, notice.params)),
    h('span', { class: 'notice-body' }, tr.t(notice.texts.explanation, notice.params)),
  );
}

/** Tries left, with the last try as a loud warning (a wrong entry then blocks the PIN). */
function triesLeft(pin: PinEntryView, tr: Translator): HTMLElement | null {
  if (pin.triesLeft === undefined) return null;
  if (pin.lastTry) return h('p', { class: 'tries tries-last', role: 'alert' }, tr.t('pin.lastTry'));
  return h('p', { class: 'tries' }, tr.t('pin.triesLeft', { count: pin.triesLeft }));
}

/**
 * The PIN dots, the length rule, one alert line — why the last entry failed if it did (a wrong-PIN
 * notice already says how many tries are left), otherwise the tries left — and the keyboard.
 */
export function pinEntry(
  pin: PinEntryView,
  notice: CustomerErrorView | undefined,
  tr: Translator,
  connection: Connection,
): HTMLElement {
  const fixedLength = pin.minLength === pin.maxLength;
  const rule = tr.t(pinRuleKey(pin.keyboard, fixedLength), {
    length: pin.maxLength,
    min: pin.minLength,
    max: pin.maxLength,
  });
  return h(
    'div',
    { class: `pin-entry pin-entry-${pin.keyboard}` },
    h(
      'div',
      { class: 'pin-status' },
      pinDots(pin, tr),
      h(
        'p',
        { class: 'pin-rule' },
        h('span', {}, rule),
        h('span', { class: 'pin-count' }, tr.t('pin.typedCount', { count: pin.length })),
      ),
      // A slot of fixed height, so the keyboard never moves under a finger when a notice appears.
      h('div', { class: 'pin-alert' }, notice ? noticeBox(notice, tr) : triesLeft(pin, tr)),
    ),
    keyboard(pin.keyboard, pin.canSubmit, tr, connection),
  );
}
