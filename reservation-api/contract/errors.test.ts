import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_ERRORS, isApiErrorCode } from './errors';

describe('error table', () => {
  it('uses stable UPPER_SNAKE codes with 4xx/5xx statuses and messages free of placeholders', () => {
    for (const [code, { status, message }] of Object.entries(API_ERRORS)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(status >= 400 && status < 600, code).toBe(true);
      expect(message).not.toMatch(/[{}$]/);
      expect(isApiErrorCode(code)).toBe(true);
    }
    expect(isApiErrorCode('toString')).toBe(false);
  });

  it('is documented in docs/api.md, every code with its status', () => {
    const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'api.md'), 'utf8');
    for (const [code, { status }] of Object.entries(API_ERRORS)) {
      expect(docs, code).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`));
    }
  });
});
