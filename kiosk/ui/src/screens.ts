import type { Connection } from './connection';
import { button, h } from './dom';
import type { Translator } from './i18n';
import { pinEntry } from './pin-entry';
import type { Procedure, ScreenId, ViewModel } from './view-model';

/** What a screen contributes: its main content and the buttons of the bottom bar. */
export interface ScreenParts {
  content: Array<HTMLElement | null>;
  actions: HTMLElement[];
}

type ScreenRenderer = (vm: ViewModel, tr: Translator, connection: Connection) => ScreenParts;

const title = (text: string): HTMLElement => h('h1', { class: 'title' }, text);
const paragraph = (text: string, className = 'body'): HTMLElement => h('p', { class: className }, text);

function cancelButton(tr: Translator, connection: Connection): HTMLElement {
  return button({ class: 'action action-secondary', 'data-action': 'cancel' }, tr.t('action.cancel'), () =>
    connection.send({ type: 'session.cancel' }),
  );
}

/** "Do not move the card" with a progress bar: reading, verifying, checking, resetting. */
function busy(key: string, vm: ViewModel, tr: Translator): ScreenParts {
  return {
    content: [
      h('div', { class: 'spinner', 'aria-hidden': 'true' }),
      title(tr.t(`screen.${key}.title`)),
      h(
        'progress',
        {
          class: 'progress',
          max: 100,
          value: vm.progress === undefined ? undefined : Math.round(vm.progress * 100),
        },
        tr.t('progress.label'),
      ),
      h('p', { class: 'keep-card', role: 'alert' }, tr.t('card.doNotMove')),
    ],
    actions: [],
  };
}

function procedureChoice(procedure: Procedure, tr: Translator, connection: Connection): HTMLElement {
  return button(
    { class: 'choice', 'data-procedure': procedure },
    [
      h('span', { class: 'choice-title' }, tr.t(`procedure.${procedure}.title`)),
      h('span', { class: 'choice-detail' }, tr.t(`procedure.${procedure}.detail`)),
    ],
    () => connection.send({ type: 'procedure.select', procedure }),
  );
}

/** The PIN screens' heading names which PIN, from the procedure (proving vs. setting). */
function pinScreen(step: 'enter-current-pin' | 'enter-new-pin' | 'confirm-new-pin'): ScreenRenderer {
  return (vm, tr, connection) => ({
    content: [
      title(tr.t(`screen.${step}.title.${vm.procedure ?? 'signature-pin'}`)),
      vm.pin ? pinEntry(vm.pin, tr, connection) : paragraph(tr.t('progress.label')),
    ],
    actions: [cancelButton(tr, connection)],
  });
}

const SCREENS: Record<ScreenId, ScreenRenderer> = {
  closed: (vm, tr) => ({
    content: [
      title(tr.t('screen.closed.title')),
      paragraph(
        tr.t('screen.closed.body', { opensAt: vm.opensAt ?? '06:30', closesAt: vm.closesAt ?? '23:00' }),
      ),
    ],
    actions: [],
  }),
  'out-of-service': (_vm, tr) => ({
    content: [title(tr.t('screen.out-of-service.title')), paragraph(tr.t('screen.out-of-service.body'))],
    actions: [],
  }),
  idle: (_vm, tr, connection) => ({
    content: [
      title(tr.t('screen.idle.title')),
      paragraph(tr.t('screen.idle.body')),
      button(
        { class: 'action action-primary action-start', 'data-action': 'start' },
        tr.t('action.start'),
        () => connection.send({ type: 'session.start' }),
      ),
      paragraph(tr.t('screen.idle.reservationNeeded'), 'note'),
    ],
    actions: [],
  }),
  'choose-procedure': (vm, tr, connection) => ({
    content: [
      title(tr.t('screen.choose-procedure.title')),
      h('div', { class: 'choices' }, ...(vm.procedures ?? []).map((p) => procedureChoice(p, tr, connection))),
    ],
    actions: [cancelButton(tr, connection)],
  }),
  consent: (vm, tr, connection) => {
    const procedure = vm.procedure ?? 'signature-pin';
    return {
      content: [
        title(tr.t('screen.consent.title')),
        h(
          'ul',
          { class: 'checklist' },
          h('li', {}, tr.t('screen.consent.needCard')),
          h('li', {}, tr.t(`screen.consent.needPin.${procedure}`)),
          h('li', {}, tr.t('screen.consent.needReservation')),
        ),
        paragraph(tr.t('screen.consent.body'), 'note'),
      ],
      actions: [
        cancelButton(tr, connection),
        button({ class: 'action action-primary', 'data-action': 'accept' }, tr.t('action.accept'), () =>
          connection.send({ type: 'consent.accept' }),
        ),
      ],
    };
  },
  'place-card': (_vm, tr, connection) => ({
    content: [
      h('div', { class: 'card-illustration', 'aria-hidden': 'true' }, h('div', { class: 'card-shape' })),
      title(tr.t('screen.place-card.title')),
      paragraph(tr.t('screen.place-card.body')),
    ],
    actions: [cancelButton(tr, connection)],
  }),
  reading: (vm, tr) => busy('reading', vm, tr),
  'enter-current-pin': pinScreen('enter-current-pin'),
  verifying: (vm, tr) => busy('verifying', vm, tr),
  'checking-reservation': (vm, tr) => busy('checking-reservation', vm, tr),
  'enter-new-pin': pinScreen('enter-new-pin'),
  'confirm-new-pin': pinScreen('confirm-new-pin'),
  resetting: (vm, tr) => busy('resetting', vm, tr),
  done: (vm, tr) => ({
    content: [
      h('div', { class: 'badge badge-success', 'aria-hidden': 'true' }, '✓'),
      title(tr.t(`screen.done.title.${vm.procedure ?? 'signature-pin'}`)),
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
    actions: [],
  }),
  'take-card': (_vm, tr) => ({
    content: [
      h(
        'div',
        { class: 'card-illustration card-out', 'aria-hidden': 'true' },
        h('div', { class: 'card-shape' }),
      ),
      title(tr.t('screen.take-card.title')),
      paragraph(tr.t('screen.take-card.body')),
    ],
    actions: [],
  }),
  error: (vm, tr) => {
    const code = vm.error?.code ?? 'unknown';
    return {
      content: [
        h('div', { class: 'badge badge-error', 'aria-hidden': 'true' }, '!'),
        title(tr.t(`error.${code}.title`)),
        paragraph(tr.t(`error.${code}.explanation`, vm.error?.params)),
        h(
          'div',
          { class: 'next-step' },
          h('span', { class: 'next-step-label' }, tr.t('error.nextStepLabel')),
          paragraph(tr.t(`error.${code}.next`)),
        ),
        vm.error
          ? paragraph(tr.t('error.displayCode', { code: vm.error.displayCode }), 'display-code')
          : null,
      ],
      actions: [],
    };
  },
};

/** The parts of the screen `vm.screen`; an unknown screen renders as out of service. */
export function screenParts(vm: ViewModel, tr: Translator, connection: Connection): ScreenParts {
  const render = SCREENS[vm.screen] ?? SCREENS['out-of-service'];
  return render(vm, tr, connection);
}
