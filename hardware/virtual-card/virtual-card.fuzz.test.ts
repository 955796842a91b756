import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CardFile } from './card-file';
import { testCardFile } from './testing/test-card-file';
import { VirtualCard } from './virtual-card';

/** Whatever bytes arrive, the card answers with a status word and never hits its own fault path. */

let template: CardFile;
beforeAll(async () => {
  template = await testCardFile();
});

const SELECT_AID = Uint8Array.from(Buffer.from('00A4040C0AD392F000260100000001', 'hex'));

/** Commands biased towards the card's own instructions, with arbitrary parameters and bodies. */
const command = fc
  .tuple(
    fc.constantFrom(0x00, 0x80, 0x0c, 0xff),
    fc.constantFrom(0xa4, 0xb0, 0x20, 0x24, 0x2c, 0x84, 0x82, 0x2a, 0xca),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.uint8Array({ maxLength: 300 }),
  )
  .map(([cla, ins, p1, p2, body]) => Uint8Array.from([cla, ins, p1, p2, ...body]));

describe('virtual card under arbitrary commands', () => {
  it('always answers with at least a status word, never 6F 00', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(command, fc.uint8Array({ maxLength: 12 })), { maxLength: 20 }),
        (commands) => {
          const card = new VirtualCard(template, { onChange: () => {} });
          card.process(SELECT_AID);
          for (const bytes of commands) {
            const response = card.process(bytes);
            expect(response.length).toBeGreaterThanOrEqual(2);
            const sw = (response[response.length - 2]! << 8) | response[response.length - 1]!;
            expect(sw).not.toBe(0x6f00);
            expect([0x61, 0x62, 0x63, 0x65, 0x67, 0x69, 0x6a, 0x6b, 0x6d, 0x6e, 0x90]).toContain(sw >> 8);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
