import { CUSTOMER_ERRORS, NEXT_STEPS } from '../../../state-machines/session/customer-errors';
import { type NewPinRule, PROCEDURES } from '../../../state-machines/session/pin-rules';
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
  'action.back',
  'action.help',
  'display.large',
  'display.standard',
  'key.decide',
  'key.correct',
  'key.back',
  'key.cancel',
  'key.help',
  'dialog.cancel.title',
  'dialog.cancel.body',
  'dialog.cancel.keys',
  'dialog.cancel.confirm',
  'dialog.cancel.keep',
  'help.title',
  'help.needLabel',
  'help.callLabel',
  'help.callCentre',
  'help.hoursLabel',
  'help.hours',
  'help.askLabel',
  'help.keys',
  'help.close',
  'pin.newRule.label',
  'pin.newRule.met',
  'pin.newRule.unmet',
  'keys.twoKey.hint',
  'keys.twoKey.pending',
  'keys.twoKey.invalid',
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

/** What the voice guidance says beside the screen's own texts (kiosk/ui/src/speech/guidance.ts). */
export const SPEECH_KEYS = [
  'speech.pinKeyEntered',
  'speech.pinKeyDeleted',
  'speech.cardLeftReminder',
] as const;

export const procedureTitleKey = (procedure: Procedure): string => `procedure.${procedure}.title`;
export const procedureDetailKey = (procedure: Procedure): string => `procedure.${procedure}.detail`;
/** The consent list names the PIN the customer must know, which depends on the procedure. */
export const consentPinKey = (procedure: Procedure | undefined): string =>
  procedure ? `screen.consent.needPin.${procedure}` : 'screen.consent.needPin';

/** "4 digits" / "6–16 capital letters and digits". */
export const pinRuleKey = (keyboard: Keyboard, fixedLength: boolean): string =>
  `pin.rule.${keyboard}.${fixedLength ? 'fixed' : 'range'}`;

/** One rule of a new PIN (pin-rules.ts `NewPinRule`), ticked as it is met. */
export const newPinRuleKey = (rule: NewPinRule): string => `pin.newRule.${rule}`;

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
    ...SPEECH_KEYS,
    ...PROCEDURES.flatMap((p) => [procedureTitleKey(p), procedureDetailKey(p), consentPinKey(p)]),
    consentPinKey(undefined),
    ...keyboards.flatMap((k) => [pinRuleKey(k, true), pinRuleKey(k, false)]),
    ...NEXT_STEPS.map((step) => `nextStep.${step}`),
    ...(['min-length', 'letter', 'digit'] as const).map(newPinRuleKey),
  ];
}
