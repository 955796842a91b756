import { describe, expect, it } from 'vitest';
import { CardError } from '../../hardware/card-error';
import { KioskApiError } from '../api-client/kiosk-api-error';
import { failureOf, provenStepFailureOf, refusalOf } from './session-actors';

describe('error mapping of the runtime actors', () => {
  it('maps the API refusal codes to the machine’s refusal reasons', () => {
    expect(refusalOf(new KioskApiError('RESERVATION_NOT_FOUND', 'x', 404))).toBe('no-reservation');
    expect(refusalOf(new KioskApiError('RESERVATION_USED', 'x', 409))).toBe('reservation-used');
    expect(refusalOf(new KioskApiError('RESERVATION_SUPERSEDED', 'x', 409))).toBe('reservation-cancelled');
    expect(refusalOf(new KioskApiError('PROOF_INVALID', 'x', 422))).toBe('card-not-trusted');
    expect(refusalOf(new KioskApiError('SIGN_CERT_REVOKED', 'x', 422))).toBe('signature-certificate-revoked');
    expect(refusalOf(new KioskApiError('OUTSIDE_SERVICE_HOURS', 'x', 403))).toBe('outside-hours');
    expect(refusalOf(new KioskApiError('NETWORK_ERROR', 'x'))).toBeUndefined();
    expect(refusalOf(new CardError('wrong-pin', 'x'))).toBeUndefined();
  });

  it('maps card and transport errors to the machine’s failures', () => {
    expect(failureOf(new CardError('card-removed', 'x')).failure).toBe('card-removed');
    expect(failureOf(new CardError('reader-unavailable', 'x')).failure).toBe('reader-unavailable');
    expect(failureOf(new CardError('timeout', 'x')).failure).toBe('card-unreadable');
    expect(failureOf(new KioskApiError('TIMEOUT', 'x'))).toEqual({
      failure: 'service-unreachable',
      detail: 'TIMEOUT',
    });
    expect(failureOf(new KioskApiError('INTERNAL_ERROR', 'x', 500)).failure).toBe('service-unreachable');
  });

  it('keeps a failure an actor already chose', () => {
    expect(failureOf({ failure: 'card-removed', detail: 'x' })).toEqual({
      failure: 'card-removed',
      detail: 'x',
    });
  });

  it('maps a card that no longer holds the proven PIN (69 82) to pin-proof-lost, not card-removed', () => {
    expect(provenStepFailureOf(new CardError('security-status-not-satisfied', 'x', { sw: 0x6982 }))).toEqual({
      failure: 'pin-proof-lost',
      detail: 'security-status-not-satisfied',
    });
    // Elsewhere a 69 82 is not about a lost proof: the usual mapping (unreadable).
    expect(failureOf(new CardError('security-status-not-satisfied', 'x', { sw: 0x6982 })).failure).toBe(
      'card-unreadable',
    );
    expect(provenStepFailureOf(new CardError('timeout', 'x')).failure).toBe('card-unreadable');
    expect(provenStepFailureOf(new KioskApiError('TIMEOUT', 'x')).failure).toBe('service-unreachable');
  });
});
