import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CardError } from '../card-error';
import type { CardTransport } from '../transport/card-transport';
import { JpkiClient } from './jpki-client';

/** Whatever a card answers, every operation settles: a result or a CardError, never anything else. */

const answers = fc.array(
  fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    // Plausible shapes: a bare SW, or data + 90 00.
    fc
      .constantFrom(0x9000, 0x63c2, 0x6984, 0x6982, 0x6a82, 0x6b00, 0x6300)
      .map((sw) => Uint8Array.from([sw >> 8, sw & 0xff])),
    fc.uint8Array({ maxLength: 300 }).map((data) => Uint8Array.from([...data, 0x90, 0x00])),
  ),
  { minLength: 1, maxLength: 12 },
);

const operations: ((client: JpkiClient) => Promise<unknown>)[] = [
  (client) => client.selectApplication(),
  (client) => client.readTokenInfo(),
  (client) => client.readCertificate('auth'),
  (client) => client.pinStatus('sign'),
  (client) => client.verifyPin('auth', Uint8Array.from([0x31, 0x32, 0x33, 0x34])),
  (client) => client.sign('sign', new Uint8Array(32)),
  (client) => client.beginReset('auth'),
  (client) => client.authorizeReset(new Uint8Array(16)),
  (client) => client.changePin('sign', Uint8Array.from(Buffer.from('NEWPIN1'))),
];

describe('client under arbitrary card answers', () => {
  it('settles every operation with a result or a CardError', async () => {
    await fc.assert(
      fc.asyncProperty(answers, fc.constantFrom(...operations.keys()), async (script, which) => {
        let next = 0;
        // Answers cycle, so a client that kept asking would eventually be caught by the read bound below.
        const transport: CardTransport = {
          atr: new Uint8Array(0),
          transmit: async () => {
            next += 1;
            if (next > 200) throw new Error('client does not stop asking');
            return Uint8Array.from(script[(next - 1) % script.length]!);
          },
        };
        const outcome = await operations[which]!(new JpkiClient(transport)).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (outcome !== undefined) expect(outcome).toBeInstanceOf(CardError);
        expect(next).toBeLessThanOrEqual(200);
      }),
      { numRuns: 400 },
    );
  });
});
