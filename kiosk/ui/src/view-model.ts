/**
 * The view-model contract the UI renders: the session machine's own types (state-machines/session),
 * imported as types only, so the browser bundle carries none of the machine.
 */
export type {
  CertificateView,
  CustomerErrorView,
  PinEntryView,
  SessionViewModel as ViewModel,
  TextRef,
} from '../../../state-machines/session/view-model';
export type { Keyboard, Procedure } from '../../../state-machines/session/pin-rules';
export type { ScreenId } from '../../../state-machines/session/screens';
