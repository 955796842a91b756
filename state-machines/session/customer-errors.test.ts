import { describe, expect, it } from 'vitest';
import {
  CUSTOMER_ERROR_IDS,
  CUSTOMER_ERRORS,
  customerError,
  explanationParam,
  NEXT_STEPS,
} from './customer-errors';

/** DESIGN §8, in its order, by the id this project gives each. */
const DESIGN_ERRORS = [
  'outside-hours',
  'reader-unavailable',
  'card-unreadable',
  'card-removed',
  'not-my-number-card',
  'wrong-pin',
  'pin-blocked',
  'auth-certificate-expired',
  'certificate-revoked',
  'signature-certificate-revoked',
  'no-reservation',
  'reservation-expired',
  'reservation-used',
  'procedure-not-offered',
  'new-pin-format',
  'new-pins-differ',
  'service-unreachable',
  'reset-refused',
  'session-timeout',
];

describe('customer errors', () => {
  it('cover every error of DESIGN §8', () => {
    expect(CUSTOMER_ERROR_IDS).toEqual(expect.arrayContaining(DESIGN_ERRORS));
  });

  it('have unique display codes of the form E-NNN', () => {
    const codes = CUSTOMER_ERROR_IDS.map((id) => CUSTOMER_ERRORS[id].displayCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^E-\d{3}$/);
  });

  it('echo the public "Code 21" and "Code 23" for expired and revoked certificates', () => {
    expect(CUSTOMER_ERRORS['auth-certificate-expired'].displayCode).toBe('E-021');
    expect(CUSTOMER_ERRORS['certificate-revoked'].displayCode).toBe('E-023');
  });

  it('send people to the municipal office when only it can help', () => {
    for (const id of [
      'auth-certificate-expired',
      'certificate-revoked',
      'signature-certificate-revoked',
    ] as const) {
      expect(CUSTOMER_ERRORS[id].nextStep).toBe('municipal-office');
    }
  });

  it('let the session go on only for wrong PINs, too-short entries and new-PIN mistakes', () => {
    const recoverable = CUSTOMER_ERROR_IDS.filter((id) => CUSTOMER_ERRORS[id].recoverable);
    expect(recoverable.sort()).toEqual(['new-pin-format', 'new-pins-differ', 'pin-too-short', 'wrong-pin']);
  });

  it('keep the published display codes; a too-short PIN entry is E-035, answered by entering on', () => {
    expect(
      Object.fromEntries(
        (['wrong-pin', 'pin-blocked', 'new-pin-format', 'new-pins-differ', 'pin-too-short'] as const).map(
          (id) => [id, CUSTOMER_ERRORS[id].displayCode],
        ),
      ),
    ).toEqual({
      'wrong-pin': 'E-031',
      'pin-blocked': 'E-032',
      'new-pin-format': 'E-033',
      'new-pins-differ': 'E-034',
      'pin-too-short': 'E-035',
    });
    expect(CUSTOMER_ERRORS['pin-too-short'].nextStep).toBe('enter-pin-again');
  });

  it('tell a card that lost the PIN proof (E-015) from a removed card (E-012): both start again', () => {
    expect(CUSTOMER_ERRORS['pin-proof-lost']).toEqual({
      displayCode: 'E-015',
      nextStep: 'start-again',
      recoverable: false,
    });
    expect(CUSTOMER_ERRORS['card-removed'].displayCode).toBe('E-012');
  });

  it('name the parameter that picks the explanation where one text cannot say exactly what is needed', () => {
    expect(explanationParam('new-pin-format')).toBe('problem');
    expect(explanationParam('pin-too-short')).toBe('pin');
    expect(explanationParam('wrong-pin')).toBeUndefined();
  });

  it('use only known next steps, and allow a per-case one', () => {
    for (const id of CUSTOMER_ERROR_IDS) expect(NEXT_STEPS).toContain(CUSTOMER_ERRORS[id].nextStep);
    expect(customerError('pin-blocked', { pin: 'auth' }, 'reset-other-pin-first')).toEqual({
      id: 'pin-blocked',
      nextStep: 'reset-other-pin-first',
      params: { pin: 'auth' },
    });
  });
});
