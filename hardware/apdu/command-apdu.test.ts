import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CommandApdu, encodeCommand, parseCommand } from './command-apdu';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();
const bytes = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

describe('encodeCommand', () => {
  it.each<[string, CommandApdu, string]>([
    ['case 1', { cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80 }, '00200080'],
    ['case 2 short', { cla: 0x00, ins: 0x84, p1: 0, p2: 0, le: 8 }, '0084000008'],
    ['case 2 short, Ne 256 as 00', { cla: 0x00, ins: 0xb0, p1: 0x01, p2: 0x00, le: 256 }, '00B0010000'],
    ['case 3 short', { cla: 0, ins: 0xa4, p1: 2, p2: 0x0c, data: bytes('000A') }, '00A4020C02000A'],
    [
      'case 4 short',
      { cla: 0x80, ins: 0x2a, p1: 0, p2: 0x80, data: bytes('AABB'), le: 256 },
      '802A008002AABB00',
    ],
    ['case 2 extended', { cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 1000 }, '00B0000000 03E8'],
    ['case 2 extended, Ne 65536 as 0000', { cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 65536 }, '00B00000000000'],
  ])('%s', (_name, command, expected) => {
    expect(hex(encodeCommand(command))).toBe(expected.replace(/\s+/g, ''));
  });

  it('switches to extended length for more than 255 data bytes', () => {
    const data = new Uint8Array(300).fill(7);
    const encoded = encodeCommand({ cla: 0, ins: 0xd6, p1: 0, p2: 0, data, le: 2 });
    expect(hex(encoded.subarray(0, 7))).toBe('00D60000' + '00012C');
    expect(encoded.length).toBe(4 + 3 + 300 + 2);
    expect(hex(encoded.subarray(-2))).toBe('0002');
  });

  it('encodes extended form on request even when short would fit', () => {
    expect(hex(encodeCommand({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 16 }, { extended: true }))).toBe(
      '00B00000000010',
    );
  });

  it.each<[string, CommandApdu]>([
    ['Ne 0', { cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 0 }],
    ['Ne above 65536', { cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 65537 }],
    ['P1 not a byte', { cla: 0, ins: 0xb0, p1: 0x100, p2: 0 }],
    ['data above 65535', { cla: 0, ins: 0xd6, p1: 0, p2: 0, data: new Uint8Array(65536) }],
  ])('refuses %s', (_name, command) => {
    expect(() => encodeCommand(command)).toThrow(RangeError);
  });
});

describe('parseCommand', () => {
  it('round-trips every command in short and extended form', () => {
    const command = fc.record({
      cla: fc.integer({ min: 0, max: 255 }),
      ins: fc.integer({ min: 0, max: 255 }),
      p1: fc.integer({ min: 0, max: 255 }),
      p2: fc.integer({ min: 0, max: 255 }),
      data: fc.option(fc.uint8Array({ minLength: 1, maxLength: 600 }), { nil: undefined }),
      le: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(command, fc.boolean(), (apdu, forceExtended) => {
        const parsed = parseCommand(encodeCommand(apdu, { extended: forceExtended }));
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        const { cla, ins, p1, p2, data, le } = parsed.command;
        expect({ cla, ins, p1, p2, le }).toEqual({
          cla: apdu.cla,
          ins: apdu.ins,
          p1: apdu.p1,
          p2: apdu.p2,
          le: apdu.le,
        });
        expect(hex(data)).toBe(hex(apdu.data ?? new Uint8Array(0)));
        const needsExtended = (apdu.data?.length ?? 0) > 255 || (apdu.le ?? 0) > 256;
        const usesExtended = forceExtended || needsExtended;
        // A lone header carries no length field to tell the two forms apart.
        if (apdu.data !== undefined || apdu.le !== undefined)
          expect(parsed.command.extended).toBe(usesExtended);
      }),
    );
  });

  it.each([
    ['fewer than 4 bytes', '00A404'],
    ['Lc larger than the data', '00A4020C03000A'],
    ['Lc smaller than the data', '00A4020C01000A0B'],
    ['extended marker with one length byte', '00B000000001'],
    ['extended Lc of zero with data', '00D6000000000001'],
    ['extended Lc larger than the data', '00D60000000005AABB'],
  ])('answers 67 00 to %s', (_name, text) => {
    expect(parseCommand(bytes(text))).toEqual({ ok: false, sw: 0x6700 });
  });

  it('reads short Le 00 as 256 and extended Le 0000 as 65536', () => {
    const short = parseCommand(bytes('00B0000000'));
    expect(short.ok && short.command.le).toBe(256);
    const extended = parseCommand(bytes('00B00000000000'));
    expect(extended.ok && extended.command.le).toBe(65536);
  });
});
