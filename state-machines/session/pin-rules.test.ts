import { describe, expect, it } from 'vitest';
import { isAcceptablePinLength, normalisePinKey, otherProcedure, pinKindOfSlot } from './pin-rules';

describe('PIN rules', () => {
  it('accepts digits on the numeric keyboard and nothing else', () => {
    expect(normalisePinKey('numeric', '7')).toBe('7');
    expect(normalisePinKey('numeric', 'a')).toBeNull();
    expect(normalisePinKey('numeric', 'A')).toBeNull();
    expect(normalisePinKey('numeric', '12')).toBeNull();
    expect(normalisePinKey('numeric', '')).toBeNull();
  });

  it('uppercases letters on the alphanumeric keyboard and refuses other characters', () => {
    expect(normalisePinKey('alphanumeric', 'q')).toBe('Q');
    expect(normalisePinKey('alphanumeric', 'Z')).toBe('Z');
    expect(normalisePinKey('alphanumeric', '0')).toBe('0');
    for (const key of ['!', ' ', 'é', 'ß', 'ab', 'Ａ'])
      expect(normalisePinKey('alphanumeric', key)).toBeNull();
  });

  it('knows the lengths: exactly 4 for the authentication PIN, 6 to 16 for the signature PIN', () => {
    expect([3, 4, 5].map((length) => isAcceptablePinLength('auth', length))).toEqual([false, true, false]);
    expect([5, 6, 16, 17].map((length) => isAcceptablePinLength('sign', length))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('maps each buffer to the PIN it holds in each procedure', () => {
    expect(pinKindOfSlot('signature-pin', 'current')).toBe('auth');
    expect(pinKindOfSlot('signature-pin', 'confirm')).toBe('sign');
    expect(pinKindOfSlot('auth-pin', 'current')).toBe('sign');
    expect(pinKindOfSlot('auth-pin', 'new')).toBe('auth');
    expect(otherProcedure('auth-pin')).toBe('signature-pin');
  });
});
