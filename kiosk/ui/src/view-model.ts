/**
 * PROVISIONAL view-model contract, used until state-machines/session lands its toViewModel().
 * Then this file re-exports the machine's types and the fixtures follow them.
 */

export type Procedure = 'signature-pin' | 'auth-pin';
export type Keyboard = 'numeric' | 'alphanumeric';

export type ScreenId =
  | 'closed'
  | 'out-of-service'
  | 'idle'
  | 'choose-procedure'
  | 'consent'
  | 'place-card'
  | 'reading'
  | 'enter-current-pin'
  | 'verifying'
  | 'checking-reservation'
  | 'enter-new-pin'
  | 'confirm-new-pin'
  | 'resetting'
  | 'done'
  | 'take-card'
  | 'error';

export interface PinEntryView {
  /** Characters typed so far: the UI shows this many dots, never the characters. */
  length: number;
  minLength: number;
  maxLength: number;
  keyboard: Keyboard;
  /** Only when proving the current PIN. */
  triesLeft?: number;
  lastTry?: boolean;
}

export interface ViewModel {
  screen: ScreenId;
  language: string;
  procedures?: Procedure[];
  procedure?: Procedure;
  pin?: PinEntryView;
  /** 0–1 while the card is read or reset. */
  progress?: number;
  error?: { code: string; displayCode: string; params?: Record<string, string | number> };
  certificate?: { validUntil: string; renewalHint: boolean };
  inactivityWarning?: boolean;
  opensAt?: string;
  closesAt?: string;
}
