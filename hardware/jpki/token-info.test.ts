import { describe, expect, it } from 'vitest';
import { derSequenceLength } from './der-length';
import { decodeTokenInfo, encodeTokenInfo } from './token-info';

describe('token info', () => {
  it('round-trips label and serial through the 160-byte layout', () => {
    const bytes = encodeTokenInfo({ label: 'JPKIAPICCTOKEN2', tokenSerial: 'AB12 CD34 EF56  ' });
    expect(bytes.length).toBe(160);
    expect(decodeTokenInfo(bytes)).toEqual({ label: 'JPKIAPICCTOKEN2', tokenSerial: 'AB12 CD34 EF56  ' });
  });

  it('keeps the serial untrimmed and cuts nothing from a full label', () => {
    const label = 'L'.repeat(32);
    expect(decodeTokenInfo(encodeTokenInfo({ label, tokenSerial: '  0000000000001 ' }))).toEqual({
      label,
      tokenSerial: '  0000000000001 ',
    });
  });

  it('a file that ends before the serial is malformed-response', () => {
    expect(() => decodeTokenInfo(new Uint8Array(95))).toThrow(
      expect.objectContaining({ kind: 'malformed-response' }),
    );
  });
});

describe('derSequenceLength', () => {
  it.each([
    ['30 82 04 D2', 0x04d2 + 4],
    ['30 81 C8', 0xc8 + 3],
    ['30 7F', 0x7f + 2],
  ])('%s → %i', (header, length) => {
    expect(derSequenceLength(Uint8Array.from(Buffer.from(header.replace(/ /g, ''), 'hex')))).toBe(length);
  });

  it.each(['31 82 04 D2', '30 80', '30 83 01 00 00', '30 82 7F FD', '30 82 04', '30'])(
    '%s is malformed',
    (header) => {
      expect(() => derSequenceLength(Uint8Array.from(Buffer.from(header.replace(/ /g, ''), 'hex')))).toThrow(
        expect.objectContaining({ kind: 'malformed-response' }),
      );
    },
  );
});
