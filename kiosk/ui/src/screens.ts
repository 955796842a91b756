import type { Connection } from './connection';
import { button, h } from '../../../web/dom';
import type { Translator } from './i18n';
import { pinEntry } from './pin-entry';
import { consentPinKey, nextStepKey, procedureDetailKey, procedureTitleKey } from './text-keys';
import type { Procedure, ScreenId, ViewModel } from './view-model';

/**
 * One renderer per screen id. Each draws what its view model says and offers the main button of
 * that screen; the common buttons (やめる, 戻る, ヘルプ) are the page's (render.ts), from the view
 * model's `canCancel`, `canGoBack`, `canHelp`. None decides anything about the flow (the machine
 * ignores taps it does not expect).
 */
export interface ScreenParts {
  content: Array<HTMLElement | null>;
  /** The screen's main button (決定 presses it when nothing else has the focus). */
  primary?: HTMLElement;
}

/** What a screen renderer gets besides the view model. */
export interface ScreenContext {
  tr: Translator;
  connection: Connection;
  /** The first key of a two-key letter has been pressed (two-key-letters.ts). */
  twoKeyPending: boolean;
}

type ScreenRenderer = (vm: ViewModel, context: ScreenContext) => ScreenParts;

/** The screen's title, from the view model's own text key. */
const title = (vm: ViewModel, tr: Translator): HTMLElement =>
  h('h1', { class: 'title' }, tr.t(vm.title.key, vm.title.params));
const paragraph = (text: string, className = 'body'): HTMLElement => h('p', { class: className }, text);

/**
 * A bottom-bar button. `functionKeys` are the hard keys that press it (hard-keys.ts); `keyHint`
 * shows the key's name on the button for keypad users (hidden from the accessible name, which is
 * the label alone).
 */
export function actionButton(
  action: string,
  label: string,
  style: 'primary' | 'secondary',
  onPress: () => void,
  options: { functionKeys?: string; keyHint?: string; autofocus?: boolean } = {},
): HTMLElement {
  return button(
    {
      class: `action action-${style}`,
      'data-action': action,
      'data-function-key': options.functionKeys,
      'data-autofocus': options.autofocus,
    },
    [
      h('span', {}, label),
      options.keyHint ? h('span', { class: 'key-hint', 'aria-hidden': 'true' }, options.keyHint) : null,
    ],
    onPress,
  );
}

/** "Finish" on the result screens ends the session at once. */
const finishButton = (tr: Translator, connection: Connection): HTMLElement =>
  actionButton(
    'finish',
    tr.t('action.finish'),
    'primary',
    () => connection.send({ type: 'session.continue' }),
    {
      functionKeys: 'decide',
      keyHint: tr.t('key.decide'),
      autofocus: true,
    },
  );

/** Reading, verifying, checking, resetting: a spinner, the progress and, while the card is used, "do not move it". */
const busy: ScreenRenderer = (vm, { tr }) => ({
  content: [
    h('div', { class: 'spinner', 'aria-hidden': 'true' }),
    title(vm, tr),
    h(
      'progress',
      {
        class: 'progress',
        max: 100,
        value: vm.progress === undefined ? undefined : Math.round(vm.progress * 100),
        'aria-label': tr.t('progress.label'),
      },
      tr.t('progress.label'),
    ),
    vm.doNotMoveCard ? h('p', { class: 'keep-card', role: 'alert' }, tr.t('card.doNotMove')) : null,
  ],
});

const pinScreen: ScreenRenderer = (vm, { tr, connection, twoKeyPending }) => ({
  content: [title(vm, tr), vm.pin ? pinEntry(vm.pin, vm.notice, tr, connection, twoKeyPending) : null],
});

/** A procedure card, numbered for the keypad (the digit moves the focus to it, 決定 chooses it). */
function procedureChoice(
  procedure: Procedure,
  number: number,
  tr: Translator,
  connection: Connection,
): HTMLElement {
  return button(
    {
      class: 'choice',
      'data-procedure': procedure,
      'data-choice-number': number,
      'data-autofocus': number === 1,
    },
    [
      h('span', { class: 'choice-number', 'aria-hidden': 'true' }, String(number)),
      h('span', { class: 'choice-title' }, tr.t(procedureTitleKey(procedure))),
      h('span', { class: 'choice-detail' }, tr.t(procedureDetailKey(procedure))),
    ],
    () => connection.send({ type: 'procedure.select', procedure }),
  );
}

function cardIllustration(lifted: boolean): HTMLElement {
  return h(
    'div',
    { class: `card-illustration${lifted ? ' card-out' : ''}`, 'aria-hidden': 'true' },
    h('div', { class: 'card-shape' }),
  );
}

/** The service hours of the view model (closed screen, outside-hours error), as text parameters. */
function hoursParams(vm: ViewModel): Record<string, string> {
  return vm.opensAt === undefined || vm.closesAt === undefined
    ? {}
    : { opensAt: vm.opensAt, closesAt: vm.closesAt };
}

const SCREENS: Record<ScreenId, ScreenRenderer> = {
  closed: (vm, { tr }) => ({
    content: [title(vm, tr), paragraph(tr.t('screen.closed.body', hoursParams(vm)))],
  }),
  'out-of-service': (vm, { tr }) => ({
    content: [title(vm, tr), paragraph(tr.t('screen.out-of-service.body'))],
  }),
  maintenance: (vm, { tr }) => ({
    content: [
      title(vm, tr),
      paragraph(tr.t('screen.maintenance.body')),
      paragraph(tr.t('screen.maintenance.next')),
    ],
  }),
  idle: (vm, { tr, connection }) => ({
    content: [
      title(vm, tr),
      paragraph(tr.t('screen.idle.body')),
      button(
        {
          class: 'action action-primary action-start',
          'data-action': 'start',
          'data-function-key': 'decide',
          'data-autofocus': true,
        },
        tr.t('action.start'),
        () => connection.send({ type: 'session.start' }),
      ),
      paragraph(tr.t('screen.idle.reservationNeeded'), 'note'),
    ],
  }),
  'choose-procedure': (vm, { tr, connection }) => ({
    content: [
      title(vm, tr),
      h(
        'div',
        { class: 'choices' },
        ...(vm.procedures ?? []).map((p, index) => procedureChoice(p, index + 1, tr, connection)),
      ),
    ],
  }),
  consent: (vm, { tr, connection }) => ({
    content: [
      title(vm, tr),
      h(
        'ul',
        { class: 'checklist' },
        h('li', {}, tr.t('screen.consent.needCard')),
        h('li', {}, tr.t(consentPinKey(vm.procedure))),
        h('li', {}, tr.t('screen.consent.needReservation')),
      ),
      paragraph(tr.t('screen.consent.body'), 'note'),
    ],
    primary: actionButton(
      'accept',
      tr.t('action.accept'),
      'primary',
      () => connection.send({ type: 'consent.accept' }),
      { functionKeys: 'decide', keyHint: tr.t('key.decide'), autofocus: true },
    ),
  }),
  'place-card': (vm, { tr }) => ({
    content: [cardIllustration(false), title(vm, tr), paragraph(tr.t('screen.place-card.body'))],
  }),
  reading: busy,
  'enter-current-pin': pinScreen,
  verifying: busy,
  'checking-reservation': busy,
  'enter-new-pin': pinScreen,
  'confirm-new-pin': pinScreen,
  resetting: busy,
  done: (vm, { tr, connection }) => ({
    content: [
      h('div', { class: 'badge badge-success', 'aria-hidden': 'true' }, '✓'),
      title(vm, tr),
      vm.certificate
        ? h(
            'div',
            { class: 'certificate' },
            paragraph(tr.t('screen.done.validUntil', { date: tr.date(vm.certificate.validUntil) })),
            vm.certificate.renewalHint ? paragraph(tr.t('screen.done.renewalHint'), 'warning') : null,
          )
        : null,
      paragraph(tr.t('screen.done.next')),
    ],
    primary: finishButton(tr, connection),
  }),
  'take-card': (vm, { tr }) => ({
    content: [cardIllustration(true), title(vm, tr), paragraph(tr.t('screen.take-card.body'))],
  }),
  error: (vm, { tr, connection }) => {
    const error = vm.error;
    // The opening hours come with the outside-hours error, from the kiosk's configuration.
    const params = { ...error?.params, ...hoursParams(vm) };
    return {
      content: [
        h('div', { class: 'badge badge-error', 'aria-hidden': 'true' }, '!'),
        title(vm, tr),
        error ? paragraph(tr.t(error.texts.explanation, params)) : null,
        error
          ? h(
              'div',
              { class: 'next-step' },
              h('span', { class: 'next-step-label' }, tr.t('error.nextStepLabel')),
              paragraph(tr.t(nextStepKey(error), params)),
            )
          : null,
        error ? paragraph(tr.t('error.displayCode', { code: error.displayCode }), 'display-code') : null,
      ],
      primary: finishButton(tr, connection),
    };
  },
};

/** The parts of the screen `vm.screen`; an unknown screen renders as out of service. */
export function screenParts(vm: ViewModel, context: ScreenContext): ScreenParts {
  const render = SCREENS[vm.screen] ?? SCREENS['out-of-service'];
  return render(vm, context);
}
