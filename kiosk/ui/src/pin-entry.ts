import type { Connection } from './connection';
import { h } from '../../../web/dom';
import type { Translator } from './i18n';
import { keyboard, PIN_RULE_ID } from './keyboards';
import { newPinRuleKey, pinRuleKey } from './text-keys';
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

/** What went wrong with the last entry (wrong PIN, too short, new PIN format, entries differ); the session goes on. */
function noticeBox(notice: CustomerErrorView, tr: Translator): HTMLElement {
  return h(
    'div',
    { class: 'notice', role: 'alert', 'data-notice': notice.code, 'data-occurrence': notice.occurrence },
    h('strong', { class: 'notice-title' }, tr.t(notice.texts.title, notice.params)),
    h('span', { class: 'notice-body' }, tr.t(notice.texts.explanation, notice.params)),
  );
}

/**
 * The last try before a lock stands out from every other line: its own colours, a warning icon and
 * the words "one more mistake locks it", with the wrong-PIN notice (if any) in the same box.
 */
function lastTry(notice: CustomerErrorView | undefined, tr: Translator): HTMLElement {
  return h(
    'div',
    { class: 'last-try', role: 'alert', 'data-last-try': 'true' },
    h('span', { class: 'last-try-icon', 'aria-hidden': 'true' }, '⚠'),
    h(
      'span',
      { class: 'last-try-text' },
      notice ? h('strong', { class: 'last-try-title' }, tr.t(notice.texts.title, notice.params)) : null,
      h('span', { class: 'last-try-words' }, tr.t('pin.lastTry')),
    ),
  );
}

/** Tries left, unless it is the last one. */
function triesLeft(pin: PinEntryView, tr: Translator): HTMLElement | null {
  if (pin.triesLeft === undefined) return null;
  return h('p', { class: 'tries' }, tr.t('pin.triesLeft', { count: pin.triesLeft }));
}

/** The new PIN's rules, each ticked as soon as what is typed meets it. */
function newPinRules(pin: PinEntryView, tr: Translator): HTMLElement | null {
  if (!pin.rules) return null;
  return h(
    'ul',
    { class: 'pin-rules', 'aria-label': tr.t('pin.newRule.label') },
    ...pin.rules.map(({ rule, met }) =>
      h(
        'li',
        { class: met ? 'rule-met' : 'rule-unmet', 'data-rule': rule, 'data-met': String(met) },
        h('span', {}, tr.t(newPinRuleKey(rule), { min: pin.minLength })),
        // The mark says met or not to a screen reader too.
        h(
          'span',
          {
            class: 'rule-icon',
            role: 'img',
            'aria-label': tr.t(met ? 'pin.newRule.met' : 'pin.newRule.unmet'),
          },
          met ? '✓' : '✗',
        ),
      ),
    ),
  );
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
  twoKeyPending = false,
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
      // What the PIN needs and how much is typed: also OK's description while the entry is short.
      h(
        'p',
        { class: 'pin-rule', id: PIN_RULE_ID },
        // Keypad users of the letter keyboard: "now the second key" while half a character is in.
        twoKeyPending
          ? h('span', { class: 'two-key-pending', 'data-two-key': 'pending' }, tr.t('keys.twoKey.pending'))
          : h('span', {}, rule),
        h('span', { class: 'pin-count' }, tr.t('pin.typedCount', { count: pin.length })),
      ),
      newPinRules(pin, tr),
      // A slot of fixed height, so the keyboard never moves under a finger when a notice appears.
      h(
        'div',
        { class: 'pin-alert' },
        pin.lastTry ? lastTry(notice, tr) : notice ? noticeBox(notice, tr) : triesLeft(pin, tr),
      ),
    ),
    keyboard(pin.keyboard, pin.canSubmit, tr, connection),
  );
}
