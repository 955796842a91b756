import { describe, expect, it } from 'vitest';
import { describeCommand, traceFields } from './apdu-trace';

const pin = Uint8Array.from(Buffer.from('SECRET1'));

describe('describeCommand', () => {
  it.each([0x20, 0x24, 0x2c, 0x82])('masks the data of INS %s without its length', (ins) => {
    const text = describeCommand({ cla: 0, ins, p1: 0, p2: 0x80, data: pin });
    expect(text).toMatch(/ \[masked\]$/);
    expect(text).not.toContain('7');
    expect(text).not.toContain(Buffer.from(pin).toString('hex').toUpperCase());
  });

  it('shows the file or application of a SELECT', () => {
    expect(describeCommand({ cla: 0, ins: 0xa4, p1: 2, p2: 0x0c, data: Uint8Array.from([0, 0x0a]) })).toBe(
      '00A4020C [000A]',
    );
  });

  it('shows only the length of other data, and Ne', () => {
    const digestInfo = new Uint8Array(51);
    expect(describeCommand({ cla: 0x80, ins: 0x2a, p1: 0, p2: 0x80, data: digestInfo, le: 256 })).toBe(
      '802A0080 [51 bytes] Le=256',
    );
    expect(describeCommand({ cla: 0, ins: 0x20, p1: 0, p2: 0x80 })).toBe('00200080');
  });
});

describe('traceFields', () => {
  it('carries the SW and response length, or the error kind', () => {
    const command = { cla: 0, ins: 0x84, p1: 0, p2: 0, le: 8 };
    expect(traceFields(command, { sw: 0x9000, responseLength: 8 })).toEqual({
      apdu: '00840000 Le=8',
      sw: '9000',
      responseLength: 8,
    });
    expect(traceFields(command, { error: 'timeout' })).toEqual({ apdu: '00840000 Le=8', error: 'timeout' });
  });
});
