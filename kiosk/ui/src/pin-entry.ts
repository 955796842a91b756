import type { Connection } from './connection';
import { h } from './dom';
import type { Translator } from './i18n';
import { keyboard } from './keyboards';
import type { PinEntryView } from './view-model';

/**
 * One box per possible character, filled with a dot for each one typed. The boxes beyond the
 * minimum length are drawn lighter, so "how many more" is visible without reading.
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

/** Tries left, with the last try as a loud warning (a wrong entry then blocks the PIN). */
function triesLeft(pin: PinEntryView, tr: Translator): HTMLElement | null {
  if (pin.triesLeft === undefined) return null;
  if (pin.lastTry) {
    return h('p', { class: 'tries tries-last', role: 'alert' }, tr.t('pin.lastTry'));
  }
  return h('p', { class: 'tries' }, tr.t('pin.triesLeft', { count: pin.triesLeft }));
}

/** The PIN dots, the length rule, the tries left and the matching keyboard. */
export function pinEntry(pin: PinEntryView, tr: Translator, connection: Connection): HTMLElement {
  const rule =
    pin.minLength === pin.maxLength
      ? tr.t(`pin.rule.${pin.keyboard}.fixed`, { length: pin.maxLength })
      : tr.t(`pin.rule.${pin.keyboard}.range`, { min: pin.minLength, max: pin.maxLength });
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
      triesLeft(pin, tr),
    ),
    keyboard(pin.keyboard, pin.length >= pin.minLength, tr, connection),
  );
}
