import { describe, expect, it } from 'vitest';
import { CardError, type CardErrorKind } from '../card-error';
import { encodeResponse, parseResponse } from './response-apdu';
import { cardErrorFromSw, describeSw, triesLeftFromSw, wrongPinSw } from './status-words';

describe('status word table', () => {
  it.each<[number, CardErrorKind]>([
    [0x63c2, 'wrong-pin'],
    [0x63c0, 'wrong-pin'],
    [0x6984, 'pin-blocked'],
    [0x6982, 'security-status-not-satisfied'],
    [0x6985, 'conditions-not-satisfied'],
    [0x6a82, 'file-not-found'],
    [0x6a86, 'unexpected-status'],
    [0x6a80, 'wrong-data'],
    [0x6b00, 'unexpected-status'],
    [0x6700, 'unexpected-status'],
    [0x6d00, 'unexpected-status'],
    [0x6e00, 'unexpected-status'],
    [0x6300, 'reset-refused'],
    [0x6983, 'reset-blocked'],
    [0x6f00, 'unexpected-status'],
    [0x1234, 'unexpected-status'],
  ])('%s becomes %s', (sw, kind) => {
    const error = cardErrorFromSw(sw, 'test');
    expect(error).toBeInstanceOf(CardError);
    expect(error.kind).toBe(kind);
    expect(error.sw).toBe(sw);
    expect(describeSw(sw).kind).toBe(kind);
  });

  it('9000 is success with no error kind', () => {
    expect(describeSw(0x9000)).toEqual({ meaning: 'success', kind: undefined });
  });

  it('wrong PIN carries the tries left; blocked carries 0', () => {
    expect(cardErrorFromSw(0x63c2, 'verify').triesLeft).toBe(2);
    expect(cardErrorFromSw(0x63c0, 'verify').triesLeft).toBe(0);
    expect(cardErrorFromSw(0x6984, 'verify').triesLeft).toBe(0);
    expect(cardErrorFromSw(0x6982, 'read').triesLeft).toBeUndefined();
  });

  it('names the operation and SW in the message', () => {
    expect(cardErrorFromSw(0x6a82, 'select file 000A').message).toBe(
      'select file 000A: 6A82 file or application not found',
    );
  });

  it('builds and reads 63 Cx', () => {
    expect(wrongPinSw(3)).toBe(0x63c3);
    expect(wrongPinSw(0)).toBe(0x63c0);
    expect(wrongPinSw(40)).toBe(0x63cf);
    expect(triesLeftFromSw(0x63c4)).toBe(4);
    expect(triesLeftFromSw(0x6300)).toBeUndefined();
    expect(triesLeftFromSw(0x9000)).toBeUndefined();
  });
});

describe('parseResponse', () => {
  it('splits data and status word', () => {
    const response = parseResponse(Uint8Array.from([0xaa, 0xbb, 0x90, 0x00]));
    expect(Array.from(response.data)).toEqual([0xaa, 0xbb]);
    expect(response.sw).toBe(0x9000);
  });

  it('round-trips with encodeResponse', () => {
    const data = Uint8Array.from([1, 2, 3]);
    const response = parseResponse(encodeResponse(0x63c1, data));
    expect(Array.from(response.data)).toEqual([1, 2, 3]);
    expect(response.sw).toBe(0x63c1);
  });

  it.each([0, 1])('a response of %i bytes is malformed-response', (length) => {
    expect(() => parseResponse(new Uint8Array(length))).toThrow(
      expect.objectContaining({ name: 'CardError', kind: 'malformed-response' }),
    );
  });
});
