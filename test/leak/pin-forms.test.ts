import { describe, expect, it } from 'vitest';
import { findPins, pinForms } from './support/pin-forms';
import { SeededPins } from './support/seeded-pins';

/** The leak scan's search: every form is found, delimited short forms only, nothing else. */

const forms = (text: string, pin: string) =>
  findPins(Buffer.from(text, 'latin1'), [pin], 'test').map((l) => l.form);

describe('PIN forms', () => {
  it('finds a 4-digit PIN as a delimited number, never inside a longer number, a fraction or a word', () => {
    expect(forms('{"pin":"0427"}', '0427')).toEqual(['ascii']);
    expect(forms('pin=0427&x', '0427')).toEqual(['ascii']);
    expect(forms('0427', '0427')).toEqual(['ascii']);
    expect(forms('content-length: 10427\r\n', '0427')).toEqual([]);
    expect(forms('"responseTime":1.0427,', '0427')).toEqual([]);
    expect(forms('res_ab0427cd', '0427')).toEqual([]);
    expect(forms('"id":"d7f5e2de-0427-487f-8285-9edb8500f806"', '0427')).toEqual([]);
  });

  it('finds the hex, APDU and base64 forms of a 4-digit PIN', () => {
    const ascii = Buffer.from('0427', 'latin1');
    expect(forms(`x ${ascii.toString('hex')} y`, '0427')).toEqual(['hex (upper)']);
    expect(forms(`data=04${ascii.toString('hex')};`, '0427')).toEqual(['APDU data Lc‖PIN hex (upper)']);
    expect(forms(`apdu 0020008004${ascii.toString('hex')}9000`, '0427')).toContain(
      'APDU 00200080 hex (upper)',
    );
    expect(forms('00 2C 02 80 04 30 34 32 37', '0427')).toContain('APDU 002C0280 spaced hex (upper)');
    expect(forms(`"${ascii.toString('base64')}"`, '0427')).toContain('base64');
    // Inside a longer hex or base64 text a 4-digit PIN is too short to tell from chance.
    expect(forms(`ab${ascii.toString('hex')}cd`, '0427')).toEqual([]);
    expect(forms(`QQ${ascii.toString('base64').replace(/=+$/, '')}QQ`, '0427')).toEqual([]);
  });

  it('finds a long signature PIN anywhere: ASCII, lowercase, hex, base64 at every alignment', () => {
    const pin = 'K7QZ2M9XWB4T';
    expect(forms(`abc${pin}def`, pin)).toEqual(['ascii']);
    expect(forms(`typed ${pin.toLowerCase()}`, pin)).toEqual(['ascii lowercase']);
    expect(forms(`ff${Buffer.from(pin).toString('hex')}ff`, pin)).toContain('hex (lower)');
    for (const prefix of ['', 'a', 'ab', 'abc', 'abcd']) {
      const blob = Buffer.from(`${prefix}${pin}zz`, 'latin1').toString('base64');
      expect(
        forms(`blob:${blob}`, pin).some((f) => f.startsWith('base64')),
        `prefix ${prefix.length}`,
      ).toBe(true);
    }
  });

  it('does not find another PIN, or the same PIN with one character changed', () => {
    expect(forms('K7QZ2M9XWB4U 0428', 'K7QZ2M9XWB4T')).toEqual([]);
    expect(forms('K7QZ2M9XWB4U 0428', '0427')).toEqual([]);
  });

  it('masks the PIN in the context it reports', () => {
    const [leak] = findPins(Buffer.from('before 0427 after'), ['0427'], 'log');
    expect(leak).toMatchObject({ pin: '0427', where: 'log', offset: 7, context: 'before «PIN» after' });
    expect(pinForms('0427').every((f) => f.needle.length >= 4)).toBe(true);
  });
});

describe('seeded PINs', () => {
  it('repeats for a seed, never repeats within a run, and keeps to the documented shapes', () => {
    const a = new SeededPins('seed');
    const b = new SeededPins('seed');
    const drawn = Array.from({ length: 300 }, (_, i) => (i % 2 ? a.sign() : a.auth()));
    expect(Array.from({ length: 300 }, (_, i) => (i % 2 ? b.sign() : b.auth()))).toEqual(drawn);
    expect(new Set(drawn).size).toBe(drawn.length);
    for (const pin of drawn.filter((_, i) => i % 2 === 0)) expect(pin).toMatch(/^0\d{3}$/);
    for (const pin of drawn.filter((_, i) => i % 2 === 1)) {
      expect(pin).toMatch(/^[A-Z0-9]{12,16}$/);
      expect(pin).toMatch(/[A-Z]/);
      expect(pin).toMatch(/[0-9]/);
    }
    expect(new SeededPins('other').auth()).not.toBe(new SeededPins('seed').auth());
  });
});
