import { describe, expect, it } from 'vitest';
import { TwoKeyLetters } from './two-key-letters';

function typeKeys(keys: string): string[] {
  const input = new TwoKeyLetters();
  return [...keys].map((key) => {
    const result = input.press(key);
    return result.kind === 'character' ? result.character : result.kind;
  });
}

describe('two-key letters', () => {
  it('makes every letter from its telephone key and its place on it', () => {
    const input = new TwoKeyLetters();
    const letters: string[] = [];
    for (const [key, group] of Object.entries({
      2: 'ABC',
      3: 'DEF',
      4: 'GHI',
      5: 'JKL',
      6: 'MNO',
      7: 'PQRS',
      8: 'TUV',
      9: 'WXYZ',
    })) {
      for (let place = 1; place <= group.length; place += 1) {
        input.press(key);
        const result = input.press(String(place));
        if (result.kind === 'character') letters.push(result.character);
      }
    }
    expect(letters.join('')).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  });

  it('makes digits from 0 and the digit', () => {
    expect(typeKeys('0500')).toEqual(['pending', '5', 'pending', '0']);
  });

  it('refuses keys that make no character, and starts again', () => {
    expect(typeKeys('1')).toEqual(['invalid']);
    expect(typeKeys('2421')).toEqual(['pending', 'invalid', 'pending', 'A']);
    expect(typeKeys('20')).toEqual(['pending', 'invalid']);
    expect(typeKeys('7494')).toEqual(['pending', 'S', 'pending', 'Z']);
  });

  it('forgets a first key on reset', () => {
    const input = new TwoKeyLetters();
    input.press('7');
    expect(input.pending).toBe(true);
    expect(input.reset()).toBe(true);
    expect(input.press('1')).toEqual({ kind: 'invalid' });
    expect(input.reset()).toBe(false);
  });
});
