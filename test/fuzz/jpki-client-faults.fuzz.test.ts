import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CardError } from '../../hardware/card-error';
import { PIN_FILES } from '../../hardware/jpki/constants';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { resetCryptogram } from '../../hardware/jpki/reset-crypto';
import type { CardTransport, TransmitOptions } from '../../hardware/transport/card-transport';
import { InProcessTransport, PendingAnswer } from '../../hardware/transport/in-process-transport';
import type { CardFile } from '../../hardware/virtual-card/card-file';
import { testCardFile } from '../../hardware/virtual-card/testing/test-card-file';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';

/**
 * The JPKI client over a real virtual card whose answers are damaged at one seeded exchange of a
 * whole flow (the phone's proof, the kiosk's reset): cut short, lengthened, another status word,
 * nothing, random bytes, no answer at all, a foreign exception, the card pulled, the caller giving
 * up. Whatever happens the flow settles — with the right result or a typed CardError, never another
 * error, never a hang — every buffer that carried a PIN or a cryptogram is wiped, and the same client
 * (its selection state kept or forgotten correctly) then runs the flow cleanly once the card behaves.
 */

const SEED = 0x5eed_a9d0;
const RUNS = 150;
/** The client's per-exchange deadline; an unanswered exchange costs this much real time. */
const DEADLINE_MS = 100;

type Fault =
  | { kind: 'truncate'; keep: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'status'; sw: number }
  | { kind: 'data-only' }
  | { kind: 'empty' }
  | { kind: 'replace'; bytes: Uint8Array }
  | { kind: 'hang' }
  | { kind: 'foreign-throw'; value: unknown }
  | { kind: 'card-removed' }
  | { kind: 'abort' };

/**
 * Faults that destroy structure only: the client must notice them or be unaffected by them. (Another
 * status word or random bytes can be a plausible answer, e.g. fewer tries left: those need only settle.)
 */
const STRUCTURAL = new Set<Fault['kind']>([
  'truncate',
  'append',
  'data-only',
  'empty',
  'hang',
  'foreign-throw',
  'card-removed',
  'abort',
]);

const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({
    kind: fc.constant('status' as const),
    sw: fc.oneof(
      fc.constantFrom(
        0x6100,
        0x6282,
        0x6300,
        0x63c0,
        0x6581,
        0x6700,
        0x6982,
        0x6983,
        0x6984,
        0x6a82,
        0x6a86,
        0x6b00,
        0x6c08,
        0x6d00,
        0x6f00,
        0x9001,
      ),
      fc.integer({ min: 0, max: 0xffff }),
    ),
  }),
  fc.constant({ kind: 'data-only' as const }),
  fc.constant({ kind: 'empty' as const }),
  fc.record({ kind: fc.constant('replace' as const), bytes: fc.uint8Array({ maxLength: 300 }) }),
  fc.constant({ kind: 'hang' as const }),
  fc.record({
    kind: fc.constant('foreign-throw' as const),
    value: fc.constantFrom<unknown>(
      new Error('boom'),
      new TypeError('x is undefined'),
      'a string',
      undefined,
      null,
      42,
    ),
  }),
  fc.constant({ kind: 'card-removed' as const }),
  fc.constant({ kind: 'abort' as const }),
);

/** A virtual card behind a transport that damages exactly one exchange (by index); the rest pass. */
class FaultyTransport implements CardTransport {
  readonly atr: Uint8Array;
  exchanges = 0;
  /** Once healed, every exchange passes (the card behaves again). */
  healed = false;
  /** Every command the client handed over, with the INS seen at the time (the bytes get wiped). */
  readonly commands: { ins: number; bytes: Uint8Array }[] = [];
  private readonly inner: InProcessTransport;

  constructor(
    card: VirtualCard,
    private readonly at: number,
    private readonly fault: Fault,
    private readonly abort: () => void,
  ) {
    this.inner = new InProcessTransport(card);
    this.atr = this.inner.atr;
  }

  async transmit(command: Uint8Array, options: TransmitOptions = {}): Promise<Uint8Array> {
    this.commands.push({ ins: command[1]!, bytes: command });
    const index = this.exchanges++;
    if (index > 500) throw new CardError('transport', 'the client does not stop asking');
    if (index !== this.at || this.healed) return this.inner.transmit(command, options);
    const f = this.fault;
    switch (f.kind) {
      case 'hang':
        return new PendingAnswer(options, DEADLINE_MS).promise;
      case 'abort': {
        const pending = new PendingAnswer(options, DEADLINE_MS).promise;
        this.abort();
        return pending;
      }
      case 'foreign-throw':
        throw f.value;
      case 'card-removed':
        throw new CardError('card-removed', 'the card left the reader');
      default:
        break;
    }
    // The card really executes the command; only its answer is damaged on the way back.
    const answer = await this.inner.transmit(command, options);
    const sw = answer.subarray(answer.length - 2);
    const data = answer.subarray(0, answer.length - 2);
    switch (f.kind) {
      case 'truncate':
        return answer.slice(0, Math.min(f.keep, answer.length - 1));
      case 'append':
        return Uint8Array.from([...data, ...f.bytes, ...sw]);
      case 'status':
        return Uint8Array.from([...data, f.sw >> 8, f.sw & 0xff]);
      case 'data-only':
        return data.slice();
      case 'empty':
        return new Uint8Array(0);
      case 'replace':
        return f.bytes;
    }
  }
}

let template: CardFile;
beforeAll(async () => {
  template = await testCardFile();
});

const DIGEST = createHash('sha256').update('jpki-pin-reset fuzz').digest();

/** Step 1 on the phone: what it reads and the proof it gets. */
async function phoneFlow(client: JpkiClient, card: CardFile) {
  await client.selectApplication();
  const status = await client.pinStatus('auth');
  await client.verifyPin('auth', Buffer.from(card.jpki!.authPin.value, 'latin1'));
  const tokenInfo = await client.readTokenInfo();
  const certificate = await client.readCertificate('auth');
  const signature = await client.sign('auth', DIGEST);
  return {
    status,
    tokenInfo,
    certificate: Buffer.from(certificate).toString('hex'),
    signature: Buffer.from(signature).toString('hex'),
  };
}

/** Step 2 at the kiosk: reset the signature PIN with the right cryptogram, then use the new PIN. */
async function kioskFlow(client: JpkiClient, card: CardFile) {
  await client.selectApplication();
  const challenge = await client.beginReset('sign');
  const cryptogram = resetCryptogram(Buffer.from(card.jpki!.resetKey, 'hex'), PIN_FILES.sign.fid, challenge);
  await client.authorizeReset(cryptogram);
  await client.resetRetryCounter('sign', Buffer.from('NEWPIN42', 'latin1'));
  await client.verifyPin('sign', Buffer.from('NEWPIN42', 'latin1'));
  return { status: await client.pinStatus('sign') };
}

const FLOWS = { phone: phoneFlow, kiosk: kioskFlow };
/** INS of commands whose data is secret: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, EXTERNAL AUTHENTICATE. */
const SECRET_INS = new Set([0x20, 0x24, 0x2c, 0x82]);

async function settle<T>(work: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return work.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('JPKI client with one damaged exchange per flow', () => {
  it('settles with the right result or a CardError, wipes secrets, and recovers on the same client', async () => {
    const clean = {
      phone: await phoneFlow(new JpkiClient(new InProcessTransport(new VirtualCard(template))), template),
      kiosk: await kioskFlow(new JpkiClient(new InProcessTransport(new VirtualCard(template))), template),
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('phone' as const, 'kiosk' as const),
        fc.integer({ min: 0, max: 24 }),
        fault,
        async (flow, at, f) => {
          const card = new VirtualCard(template);
          const controller = new AbortController();
          const transport = new FaultyTransport(card, at, f, () => controller.abort());
          const client = new JpkiClient(transport, { timeoutMs: DEADLINE_MS, signal: controller.signal });

          const outcome = await settle(FLOWS[flow](client, template));
          if ('error' in outcome) {
            expect(outcome.error, `${flow} ${f.kind} at ${at}: ${String(outcome.error)}`).toBeInstanceOf(
              CardError,
            );
            if (f.kind === 'hang') expect((outcome.error as CardError).kind).toBe('timeout');
            if (f.kind === 'abort') expect((outcome.error as CardError).kind).toBe('aborted');
            if (f.kind === 'card-removed') expect((outcome.error as CardError).kind).toBe('card-removed');
            if (f.kind === 'foreign-throw') expect((outcome.error as CardError).kind).toBe('transport');
          } else if (STRUCTURAL.has(f.kind)) {
            expect(outcome.value, `${flow} ${f.kind} at ${at}`).toEqual(clean[flow]);
          }
          for (const command of transport.commands) {
            if (SECRET_INS.has(command.ins))
              expect(
                command.bytes.every((b) => b === 0),
                `INS ${command.ins.toString(16)} not wiped`,
              ).toBe(true);
          }
          // The card behaves again: the same client (same selection state, no signal) proves again.
          transport.healed = true;
          const again = await settle(phoneFlow(client.withSignal(undefined), card.state));
          expect(again, `${flow} ${f.kind} at ${at}, then the phone flow`).toEqual({ value: clean.phone });
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('JPKI client over a transport that ignores its own deadline', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('still settles every operation with a timeout CardError (the channel backstop)', async () => {
    vi.useFakeTimers();
    const silent: CardTransport = {
      atr: new Uint8Array(0),
      transmit: () => new Promise<Uint8Array>(() => {}),
    };
    const client = new JpkiClient(silent, { timeoutMs: 1_000 });
    const operations: Promise<unknown>[] = [
      client.selectApplication(),
      client.readTokenInfo(),
      client.verifyPin('auth', Uint8Array.from([0x31, 0x32, 0x33, 0x34])),
      client.sign('sign', DIGEST),
    ];
    const settled = Promise.all(operations.map((operation) => settle(operation)));
    await vi.advanceTimersByTimeAsync(10_000);
    for (const outcome of await settled) {
      expect(outcome).toMatchObject({ error: expect.any(CardError) });
      expect((outcome as { error: CardError }).error.kind).toBe('timeout');
    }
  });
});
