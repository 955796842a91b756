/**
 * Every error a customer can meet at the kiosk (DESIGN §8), with a stable id, the short code shown
 * on screen (quoted to staff and call centres) and the kind of next step. The UI owns the JA/EN
 * texts, keyed by id (`error.<id>.title|explanation|next`); nothing here is customer text.
 *
 * Display codes are grouped: E-00x kiosk and service, E-01x the card, E-02x certificates (E-021
 * and E-023 echo the "Code 21" / "Code 23" other My Number Card services show), E-03x PINs,
 * E-04x reservations, E-05x the reset itself. Never renumber a published code.
 */

export const NEXT_STEPS = [
  /** Come back between 06:30 and 23:00. */
  'come-back-in-hours',
  /** Ask the store staff, or use another machine. */
  'ask-staff',
  /** Try again a little later. */
  'try-again-later',
  /** Start again from the beginning. */
  'start-again',
  /** Place the card again: centred, still, not on metal. */
  'place-card-again',
  /** Use your own My Number Card. */
  'use-my-number-card',
  /** Enter the PIN again (tries left shown). */
  'enter-pin-again',
  /** Enter the new PIN again, from the first entry. */
  'enter-new-pin-again',
  /** Reset the blocked PIN first, with the other procedure (needs a reservation for it). */
  'reset-other-pin-first',
  /** Go to the municipal office (市区町村窓口) with the card. */
  'municipal-office',
  /** Make a reservation in the smartphone app (step 1), with this card. */
  'reserve-in-app',
  /** Use a store whose kiosks offer the procedure. */
  'use-other-store',
  /** Start again and choose the other procedure (the one the reservation is for). */
  'choose-other-procedure',
] as const;
export type NextStep = (typeof NEXT_STEPS)[number];

export interface CustomerErrorDefinition {
  /** Shown on screen, e.g. `E-021`. */
  displayCode: string;
  /** The usual next step; a few errors choose theirs per case (see `CustomerError.nextStep`). */
  nextStep: NextStep;
  /** True when the session goes on after it (shown on the PIN screen); false: the error screen. */
  recoverable: boolean;
  /**
   * The parameter whose value names the explanation to show, `error.<id>.explanation.<value>`
   * (what exactly went wrong); without it, or without that parameter, `error.<id>.explanation`.
   */
  explainedBy?: string;
}

export const CUSTOMER_ERRORS = {
  'outside-hours': { displayCode: 'E-001', nextStep: 'come-back-in-hours', recoverable: false },
  'reader-unavailable': { displayCode: 'E-002', nextStep: 'ask-staff', recoverable: false },
  /** The reservation service could not be reached; nothing changed on the card. */
  'service-unreachable': { displayCode: 'E-003', nextStep: 'try-again-later', recoverable: false },
  'session-timeout': { displayCode: 'E-004', nextStep: 'start-again', recoverable: false },
  /** Hold still, centre it, not on metal. */
  'card-unreadable': { displayCode: 'E-011', nextStep: 'place-card-again', recoverable: false },
  'card-removed': { displayCode: 'E-012', nextStep: 'start-again', recoverable: false },
  'not-my-number-card': { displayCode: 'E-013', nextStep: 'use-my-number-card', recoverable: false },
  /**
   * The card on the reader did not answer as one card: its token serial or certificate is not the
   * one whose PIN was proven (API CARD_MISMATCH, or the kiosk's own check before the reset).
   * Nothing changed on any card; staff are told, operators get an alert.
   */
  'card-mismatch': { displayCode: 'E-014', nextStep: 'ask-staff', recoverable: false },
  /**
   * The card stayed on the reader but lost the PIN proven earlier in the session (reset, or its
   * application selected again) before the claim. Nothing changed on it; the reservation still holds.
   */
  'pin-proof-lost': { displayCode: 'E-015', nextStep: 'start-again', recoverable: false },
  /** The authentication certificate has expired ("Code 21"). */
  'auth-certificate-expired': { displayCode: 'E-021', nextStep: 'municipal-office', recoverable: false },
  /** A certificate has been revoked ("Code 23"). */
  'certificate-revoked': { displayCode: 'E-023', nextStep: 'municipal-office', recoverable: false },
  /** The signature certificate was revoked by a move or marriage: a new one, at the municipal office. */
  'signature-certificate-revoked': {
    displayCode: 'E-024',
    nextStep: 'municipal-office',
    recoverable: false,
  },
  /** Wrong PIN; params.triesLeft says how many remain. */
  'wrong-pin': { displayCode: 'E-031', nextStep: 'enter-pin-again', recoverable: true },
  /** The PIN to prove is blocked; next step: the other route, or the municipal office. */
  'pin-blocked': { displayCode: 'E-032', nextStep: 'municipal-office', recoverable: false },
  /** The new PIN breaks a rule; params.problem names which (too-short, needs-letter, needs-digit, mix). */
  'new-pin-format': {
    displayCode: 'E-033',
    nextStep: 'enter-new-pin-again',
    recoverable: true,
    explainedBy: 'problem',
  },
  'new-pins-differ': { displayCode: 'E-034', nextStep: 'enter-new-pin-again', recoverable: true },
  /**
   * OK (決定) pressed before the PIN being proven, or the confirmation, has its minimum length; what
   * was typed stays. params.pin says which PIN (auth: 4 digits; sign: 6–16 of A–Z 0–9), with
   * params.min and params.max.
   */
  'pin-too-short': {
    displayCode: 'E-035',
    nextStep: 'enter-pin-again',
    recoverable: true,
    explainedBy: 'pin',
  },
  /** No reservation for this card and procedure — also what a reservation made with another card looks like. */
  'no-reservation': { displayCode: 'E-041', nextStep: 'reserve-in-app', recoverable: false },
  'reservation-expired': { displayCode: 'E-042', nextStep: 'reserve-in-app', recoverable: false },
  'reservation-used': { displayCode: 'E-043', nextStep: 'reserve-in-app', recoverable: false },
  'procedure-not-offered': { displayCode: 'E-044', nextStep: 'use-other-store', recoverable: false },
  /** The reservation is being used by another kiosk session right now (a lease runs ~2 minutes). */
  'reservation-in-use': { displayCode: 'E-045', nextStep: 'try-again-later', recoverable: false },
  /**
   * Told before the PIN: the card's reservation is for the other procedure (the other PIN). Next
   * step: choose that one here, or a store that offers it (params.otherOfferedHere).
   */
  'reservation-other-procedure': {
    displayCode: 'E-046',
    nextStep: 'choose-other-procedure',
    recoverable: false,
  },
  /** The card refused the reset; nothing changed on it. */
  'reset-refused': { displayCode: 'E-051', nextStep: 'try-again-later', recoverable: false },
} as const satisfies Record<string, CustomerErrorDefinition>;

export type CustomerErrorId = keyof typeof CUSTOMER_ERRORS;
export const CUSTOMER_ERROR_IDS = Object.keys(CUSTOMER_ERRORS) as CustomerErrorId[];

/** Flat parameters of an error text (tries left, which PIN); never PIN data. */
export type CustomerErrorParams = Record<string, string | number | boolean>;

/** One occurrence of a customer error, as the session holds it. */
export interface CustomerError {
  id: CustomerErrorId;
  nextStep: NextStep;
  params: CustomerErrorParams;
}

/** An occurrence of `id`, with its usual next step unless `nextStep` is given. */
export function customerError(
  id: CustomerErrorId,
  params: CustomerErrorParams = {},
  nextStep: NextStep = CUSTOMER_ERRORS[id].nextStep,
): CustomerError {
  return { id, nextStep, params };
}

/** True when `value` is one of the ids. */
export function isCustomerErrorId(value: unknown): value is CustomerErrorId {
  return typeof value === 'string' && Object.hasOwn(CUSTOMER_ERRORS, value);
}

/** The parameter whose value picks the explanation of `id` (`explainedBy`), if it has one. */
export function explanationParam(id: CustomerErrorId): string | undefined {
  const definition: CustomerErrorDefinition = CUSTOMER_ERRORS[id];
  return definition.explainedBy;
}
