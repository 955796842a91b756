/** The kiosk session machine: the machine, its runtime contract, its view model. */
export {
  type CertificateValidity,
  isRenewalDue,
  japanDate,
  renewalOpensAt,
  RENEWAL_OPENS_MONTHS_BEFORE,
} from './certificate-validity';
export {
  CUSTOMER_ERROR_IDS,
  CUSTOMER_ERRORS,
  type CustomerError,
  customerError,
  type CustomerErrorDefinition,
  type CustomerErrorId,
  type CustomerErrorParams,
  isCustomerErrorId,
  NEXT_STEPS,
  type NextStep,
} from './customer-errors';
export {
  brokenNewPinRule,
  isAcceptablePinLength,
  isProcedure,
  meetsNewPinRule,
  NEW_PIN_PROBLEMS,
  type NewPinProblem,
  type NewPinRule,
  newPinRules,
  type PinComposition,
  type Keyboard,
  normalisePinKey,
  PIN_RULES,
  PIN_SLOTS,
  type PinKind,
  type PinRule,
  type PinSlot,
  type Procedure,
  PROCEDURE_PINS,
  PROCEDURES,
} from './pin-rules';
export { SCREEN_IDS, type ScreenId } from './screens';
export * from './session-actors';
export {
  DEFAULT_SUPPORT,
  DEFAULT_TIMING,
  MIN_WARNING_LEAD_MS,
  sessionTiming,
  SessionTimingError,
  type SupportContact,
  type SessionContext,
  type SessionInput,
  type SessionTiming,
} from './session-context';
export { DISPLAY_MODES, type DisplayMode } from './session-events';
export type {
  ClockEvent,
  DeviceEvent,
  SessionAlert,
  SessionEmitted,
  SessionEvent,
  SessionOutcome,
  UiEvent,
} from './session-events';
export {
  createSessionMachine,
  type DialogId,
  type SessionMachine,
  sessionMachine,
  type SessionStateMeta,
  type SessionTag,
} from './session-machine';
export {
  type CertificateView,
  type CustomerErrorView,
  type HelpView,
  type PinEntryView,
  type SessionSnapshot,
  type SessionViewModel,
  type TextRef,
  toViewModel,
} from './view-model';
