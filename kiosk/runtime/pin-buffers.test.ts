import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PIN_BUFFER_CAPACITY, PinBufferError, PinBuffers } from './pin-buffers';

function typed(buffers: PinBuffers, slot: 'current' | 'new' | 'confirm', pin: string): void {
  for (const character of pin) buffers.appendPinCharacter({ slot, character });
}

async function bytesOf(buffers: PinBuffers, slot: 'current' | 'new' | 'confirm'): Promise<string> {
  return buffers.withPin(slot, async (pin) => Buffer.from(pin).toString('ascii'));
}

describe('PinBuffers', () => {
  it('appends, backspaces and reports lengths per slot', async () => {
    const buffers = new PinBuffers();
    typed(buffers, 'new', 'AB12');
    typed(buffers, 'current', '9');
    buffers.removeLastPinCharacter({ slot: 'new' });
    expect(buffers.length('new')).toBe(3);
    expect(buffers.length('current')).toBe(1);
    expect(await bytesOf(buffers, 'new')).toBe('AB1');
    buffers.removeLastPinCharacter({ slot: 'confirm' });
    expect(buffers.length('confirm')).toBe(0);
  });

  it('wipes only the named slots', async () => {
    const buffers = new PinBuffers();
    typed(buffers, 'current', '1234');
    typed(buffers, 'new', 'ABC123');
    buffers.wipePinBuffers({ slots: ['current'] });
    expect(buffers.length('current')).toBe(0);
    expect(await bytesOf(buffers, 'new')).toBe('ABC123');
    buffers.wipeAll();
    expect(buffers.length('new')).toBe(0);
  });

  it('zeroes the copy handed to the card once the call is over, even when it throws', async () => {
    const buffers = new PinBuffers();
    typed(buffers, 'current', '1234');
    let seen: Uint8Array | undefined;
    await expect(
      buffers.withPin('current', async (pin) => {
        seen = pin;
        throw new Error('card gone');
      }),
    ).rejects.toThrow('card gone');
    expect(Array.from(seen ?? [1])).toEqual([0, 0, 0, 0]);
    expect(buffers.length('current')).toBe(4);
  });

  it('refuses non-PIN characters and overflow', () => {
    const buffers = new PinBuffers();
    expect(() => buffers.appendPinCharacter({ slot: 'new', character: 'a' })).toThrow(PinBufferError);
    typed(buffers, 'new', '1'.repeat(PIN_BUFFER_CAPACITY));
    expect(() => buffers.appendPinCharacter({ slot: 'new', character: '1' })).toThrow(/full/);
  });

  it('compares buffers and checks the letter/digit mix', () => {
    const buffers = new PinBuffers();
    typed(buffers, 'new', 'ABC123');
    typed(buffers, 'confirm', 'ABC124');
    expect(buffers.same('new', 'confirm')).toBe(false);
    buffers.removeLastPinCharacter({ slot: 'confirm' });
    typed(buffers, 'confirm', '3');
    expect(buffers.same('new', 'confirm')).toBe(true);
    typed(buffers, 'confirm', 'X');
    expect(buffers.same('new', 'confirm')).toBe(false);
    expect(buffers.mixesLettersAndDigits('new')).toBe(true);
    typed(buffers, 'current', '123456');
    expect(buffers.mixesLettersAndDigits('current')).toBe(false);
  });

  it('tells the machine only whether the buffer holds a letter and a digit', () => {
    const buffers = new PinBuffers();
    expect(buffers.pinComposition({ slot: 'new' })).toEqual({ hasLetter: false, hasDigit: false });
    buffers.appendPinCharacter({ slot: 'new', character: 'Q' });
    expect(buffers.pinComposition({ slot: 'new' })).toEqual({ hasLetter: true, hasDigit: false });
    buffers.appendPinCharacter({ slot: 'new', character: '7' });
    expect(buffers.pinComposition({ slot: 'new' })).toEqual({ hasLetter: true, hasDigit: true });
    buffers.removeLastPinCharacter({ slot: 'new' });
    expect(buffers.pinComposition({ slot: 'new' })).toEqual({ hasLetter: true, hasDigit: false });
  });

  it('never shows the PIN when logged or serialised', () => {
    const buffers = new PinBuffers();
    typed(buffers, 'current', '4321');
    for (const text of [String(buffers), JSON.stringify({ buffers }), inspect(buffers)]) {
      expect(text).not.toContain('4321');
      expect(text).toContain('current:4');
    }
  });
});
