/** The screens of DESIGN §5, one per state of the kiosk region (the UI renders one per id). */
export const SCREEN_IDS = [
  'closed',
  'out-of-service',
  /** Put out of service by an operator (maintenance), until they bring it back. */
  'maintenance',
  'idle',
  'choose-procedure',
  'consent',
  'place-card',
  'reading',
  'enter-current-pin',
  'verifying',
  'checking-reservation',
  'enter-new-pin',
  'confirm-new-pin',
  'resetting',
  'done',
  'take-card',
  'error',
] as const;
export type ScreenId = (typeof SCREEN_IDS)[number];
