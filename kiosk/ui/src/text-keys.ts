import { CUSTOMER_ERRORS, NEXT_STEPS } from '../../../state-machines/session/customer-errors';
import { PROCEDURES } from '../../../state-machines/session/pin-rules';
import type { CustomerErrorView, Keyboard, Procedure } from './view-model';

/**
 * Catalogue keys the UI itself asks for, beside the keys the view model carries (titles, error
 * texts). The renderer builds keys only through these functions, so `uiTextKeys()` can list every
 * one of them for the catalogue test.
 */

/** Keys of the UI's own chrome: header, buttons, keyboards, overlays. */
export const UI_CHROME_KEYS = [
  'app.title',
  'language.name',
  'action.start',
  'action.cancel',
  'action.accept',
  'action.continue',
  'action.finish',
  'keyboard.label',
  'keyboard.backspace',
  'keyboard.submit',
  'pin.typedCount',
  'pin.triesLeft',
  'pin.lastTry',
  'progress.label',
  'card.doNotMove',
  'connection.lost',
  'inactivity.title',
  'inactivity.body',
  'inactivity.secondsLeft',
  'error.nextStepLabel',
  'error.displayCode',
  'screen.closed.body',
  'screen.out-of-service.body',
  'screen.maintenance.body',
  'screen.maintenance.next',
  'screen.idle.body',
  'screen.idle.reservationNeeded',
  'screen.consent.needCard',
  'screen.consent.needReservation',
  'screen.consent.body',
  'screen.place-card.body',
  'screen.done.validUntil',
  'screen.done.renewalHint',
  'screen.done.next',
  'screen.take-card.body',
] as const;

export const procedureTitleKey = (procedure: Procedure): string => `procedure.${procedure}.title`;
export const procedureDetailKey = (procedure: Procedure): string => `procedure.${procedure}.detail`;
/** The consent list names the PIN the customer must know, which depends on the procedure. */
export const consentPinKey = (procedure: Procedure | undefined): string =>
  procedure ? `screen.consent.needPin.${procedure}` : 'screen.consent.needPin';

/** "4 digits" / "6–16 capital letters and digits". */
export const pinRuleKey = (keyboard: Keyboard, fixedLength: boolean): string =>
  `pin.rule.${keyboard}.${fixedLength ? 'fixed' : 'range'}`;

/**
 * The next-step text of an error: the code's own `error.<code>.next`, or, when the machine chose
 * another next step for this occurrence (a blocked PIN that the other procedure can reset), the
 * generic text of that step.
 */
export function nextStepKey(error: CustomerErrorView): string {
  return error.nextStep === CUSTOMER_ERRORS[error.code].nextStep
    ? error.texts.next
    : `nextStep.${error.nextStep}`;
}

/** Every key the UI can ask for by itself (the view model's own keys come on top). */
export function uiTextKeys(): string[] {
  const keyboards: Keyboard[] = ['numeric', 'alphanumeric'];
  return [
    ...UI_CHROME_KEYS,
    ...PROCEDURES.flatMap((p) => [procedureTitleKey(p), procedureDetailKey(p), consentPinKey(p)]),
    consentPinKey(undefined),
    ...keyboards.flatMap((k) => [pinRuleKey(k, true), pinRuleKey(k, false)]),
    ...NEXT_STEPS.map((step) => `nextStep.${step}`),
  ];
}
