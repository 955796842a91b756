import { describe, expect, it } from 'vitest';
import { cardErrorFromPcsc, cardErrorKindFor, parsePcscFailure, PcscCode } from './pcsc-errors';

describe('PC/SC failures', () => {
  it('reads the operation and code out of a binding error', () => {
    const failure = parsePcscFailure(new Error('SCardTransmit error: Card was removed.(0x80100069)'));
    expect(failure).toMatchObject({
      operation: 'SCardTransmit',
      code: PcscCode.removedCard,
      codeName: 'removedCard',
    });
  });

  it('keeps unknown codes as hex and errors without a code as unknown', () => {
    expect(parsePcscFailure(new Error('SCardConnect error: odd.(0x80100099)')).codeName).toBe('0x80100099');
    expect(parsePcscFailure('Card Reader not connected', 'SCardTransmit')).toMatchObject({
      operation: 'SCardTransmit',
      code: undefined,
      codeName: 'unknown',
    });
  });

  it('maps codes to card error kinds', () => {
    expect(cardErrorKindFor(PcscCode.removedCard)).toBe('card-removed');
    expect(cardErrorKindFor(PcscCode.noSmartcard)).toBe('card-removed');
    expect(cardErrorKindFor(PcscCode.commError)).toBe('reader-unavailable');
    expect(cardErrorKindFor(PcscCode.noService)).toBe('reader-unavailable');
    expect(cardErrorKindFor(PcscCode.unknownReader)).toBe('reader-unavailable');
    expect(cardErrorKindFor(PcscCode.sharingViolation)).toBe('transport');
    expect(cardErrorKindFor(undefined)).toBe('transport');
  });

  it('keeps the PC/SC code as the cause of the card error', () => {
    const error = cardErrorFromPcsc(parsePcscFailure(new Error('SCardTransmit error: x.(0x80100016)')));
    expect(error.kind).toBe('transport');
    expect(error.cause).toEqual({
      operation: 'SCardTransmit',
      code: PcscCode.notTransacted,
      codeName: 'notTransacted',
    });
  });
});
