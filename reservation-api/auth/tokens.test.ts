import { describe, expect, it } from 'vitest';
import { bearerToken, hashToken, newToken } from './tokens';

describe('tokens', () => {
  it('are 43 base64url characters, never starting with "-" (it would read as a command-line option)', () => {
    // With 64 symbols, 2,000 tokens start with "-" about 31 times unless that is prevented.
    const tokens = Array.from({ length: 2_000 }, newToken);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{42}$/);
      expect(bearerToken(`Bearer ${token}`)).toBe(token);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('are stored as their SHA-256 only', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
