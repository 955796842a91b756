import { createPrivateKey } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CommandApdu, encodeCommand, parseCommand } from '../../hardware/apdu/command-apdu';
import { Fid, JPKI_AID, type PinKind } from '../../hardware/jpki/constants';
import { resetCryptogram } from '../../hardware/jpki/reset-crypto';
import { type CardFile, parseCardFile } from '../../hardware/virtual-card/card-file';
import { testCardFile } from '../../hardware/virtual-card/testing/test-card-file';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';

/**
 * The virtual card over long random sessions (fast-check, fixed seed): real JPKI commands with right
 * and wrong values, the same commands mis-encoded (lengths that lie, extended forms, cut short,
 * trailing bytes), raw garbage, and storage that fails at random. Every command gets an ISO status
 * word and nothing throws — and the card keeps its security promises throughout, checked against
 * its own stored state: a PIN verifies only with its value while not blocked; counters fall by one
 * per wrong PIN and rise only by a right PIN or an authorised reset; a signature needs its PIN
 * verified in this session; a reset needs the cryptogram for this challenge and file; a failed
 * write changes nothing; no answer ever carries private-key bytes.
 */

const SEED = 0x5eed_ca4d;
const RUNS = 120;

let template: CardFile;
/** 16-byte pieces of each private exponent: none may ever appear in an answer. */
let secretPieces: Buffer[];

beforeAll(async () => {
  template = await testCardFile();
  secretPieces = [template.jpki!.authKeyPem, template.jpki!.signKeyPem].flatMap((pem) => {
    const d = Buffer.from(createPrivateKey(pem).export({ format: 'jwk' }).d!, 'base64url');
    return [0, 64, d.length - 16].map((at) => d.subarray(at, at + 16));
  });
});

type Action =
  | { op: 'selectAid'; p2: number; aid: 'jpki' | 'other' }
  | { op: 'selectEf'; fid: number }
  | { op: 'verify'; pin: 'right' | 'wrong' | 'empty'; wrong: string }
  | { op: 'change'; pin: string }
  | { op: 'challenge'; le: number }
  | { op: 'authenticate'; right: boolean; bytes: Uint8Array }
  | { op: 'reset'; pin: string }
  | { op: 'read'; offset: number; le: number }
  | { op: 'sign'; length: number; le: number }
  | { op: 'raw'; bytes: Uint8Array };

type Encoding = 'plain' | 'extended' | 'lc-lies' | 'cut' | 'trailing';

const FIDS = [...Object.values(Fid), 0x0000, 0x3f00, 0xffff];
const pins = fc.oneof(
  fc.stringMatching(/^[0-9]{4}$/),
  fc.stringMatching(/^[A-Z0-9]{6,16}$/),
  fc.string({ maxLength: 20 }).filter((s) => s.length > 0),
);

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('selectAid' as const),
      p2: fc.constantFrom(0x0c, 0x00),
      aid: fc.constantFrom('jpki' as const, 'other' as const),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ op: fc.constant('selectEf' as const), fid: fc.constantFrom(...FIDS) }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('verify' as const),
      pin: fc.constantFrom('right' as const, 'wrong' as const, 'empty' as const),
      wrong: pins,
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ op: fc.constant('change' as const), pin: pins }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constant('challenge' as const), le: fc.constantFrom(8, 8, 8, 4, 256) }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('authenticate' as const),
      right: fc.boolean(),
      bytes: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('reset' as const), pin: pins }), weight: 3 },
  {
    arbitrary: fc.record({
      op: fc.constant('read' as const),
      offset: fc.integer({ min: 0, max: 0x7fff }),
      le: fc.integer({ min: 1, max: 65536 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('sign' as const),
      length: fc.integer({ min: 1, max: 300 }),
      le: fc.constantFrom(256, 255, 65536),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({ op: fc.constant('raw' as const), bytes: fc.uint8Array({ maxLength: 40 }) }),
    weight: 1,
  },
);

/** Valid PINs of each kind, so resets and changes can succeed. */
const validPin = fc.oneof(fc.stringMatching(/^[0-9]{4}$/), fc.stringMatching(/^[A-Z][A-Z0-9]{5,15}$/));
const pinFile = fc.constantFrom(Fid.authPin, Fid.signPin);
const keyFile = fc.constantFrom(Fid.authKey, Fid.signKey);

/** Short runs of commands that reach deep states: a verified PIN, a signature, a reset. */
const macro: fc.Arbitrary<Action[]> = fc.oneof(
  fc.constant<Action[]>([{ op: 'selectAid', p2: 0x0c, aid: 'jpki' }]),
  fc
    .tuple(pinFile, fc.constantFrom('right' as const, 'wrong' as const, 'empty' as const), pins)
    .map(([fid, pin, wrong]): Action[] => [
      { op: 'selectEf', fid },
      { op: 'verify', pin, wrong },
    ]),
  fc
    .tuple(pinFile, fc.boolean(), fc.uint8Array({ minLength: 16, maxLength: 16 }), validPin)
    .map(([fid, right, bytes, pin]): Action[] => [
      { op: 'selectEf', fid },
      { op: 'challenge', le: 8 },
      { op: 'authenticate', right, bytes },
      { op: 'reset', pin },
    ]),
  fc.tuple(keyFile, fc.integer({ min: 1, max: 300 })).map(([fid, length]): Action[] => [
    { op: 'selectEf', fid },
    { op: 'sign', length, le: 256 },
  ]),
  fc.tuple(pinFile, validPin).map(([fid, pin]): Action[] => [
    { op: 'selectEf', fid },
    { op: 'verify', pin: 'right', wrong: '' },
    { op: 'change', pin },
  ]),
  fc.array(action, { minLength: 1, maxLength: 3 }),
);

const step = fc.record({
  action,
  encoding: fc.oneof(
    { arbitrary: fc.constant<Encoding>('plain'), weight: 12 },
    { arbitrary: fc.constantFrom<Encoding>('extended', 'lc-lies', 'cut', 'trailing'), weight: 3 },
  ),
  writeFails: fc.integer({ min: 0, max: 29 }).map((n) => n === 0),
  garbage: fc.uint8Array({ minLength: 1, maxLength: 4 }),
});

/** A session: macros flattened, each command with its own encoding and storage luck. */
const session = fc.array(macro, { minLength: 1, maxLength: 25 }).chain((macros) => {
  const actions = [{ op: 'selectAid', p2: 0x0c, aid: 'jpki' } as Action, ...macros.flat()];
  return fc.tuple(...actions.map((a) => step.map((s) => ({ ...s, action: a }))));
});

/** What the test remembers of the session from the answers it saw. */
interface Observed {
  applicationSelected: boolean;
  file: number | undefined;
  verified: Set<PinKind>;
  challenge: { fid: number; bytes: Uint8Array } | undefined;
  authorisedFor: number | undefined;
}

const pinOfFile = (fid: number | undefined): PinKind | undefined =>
  fid === Fid.authPin ? 'auth' : fid === Fid.signPin ? 'sign' : undefined;
const pinOfKey = (fid: number | undefined): PinKind | undefined =>
  fid === Fid.authKey ? 'auth' : fid === Fid.signKey ? 'sign' : undefined;
const pinState = (card: CardFile, kind: PinKind) =>
  kind === 'auth' ? card.jpki!.authPin : card.jpki!.signPin;

function commandOf(a: Action, card: CardFile, seen: Observed): CommandApdu | Uint8Array {
  switch (a.op) {
    case 'selectAid':
      return {
        cla: 0,
        ins: 0xa4,
        p1: 4,
        p2: a.p2,
        data: a.aid === 'jpki' ? JPKI_AID : Uint8Array.from([0xa0, 0, 0, 0, 3]),
      };
    case 'selectEf':
      return { cla: 0, ins: 0xa4, p1: 2, p2: 0x0c, data: Uint8Array.from([a.fid >> 8, a.fid & 0xff]) };
    case 'verify': {
      const kind = pinOfFile(seen.file);
      const right = kind ? pinState(card, kind).value : '0000';
      const pin =
        a.pin === 'right' ? right : a.pin === 'wrong' ? (a.wrong === right ? `${right}9` : a.wrong) : '';
      return { cla: 0, ins: 0x20, p1: 0, p2: 0x80, ...(pin ? { data: Buffer.from(pin, 'latin1') } : {}) };
    }
    case 'change':
      return { cla: 0, ins: 0x24, p1: 1, p2: 0x80, data: Buffer.from(a.pin, 'latin1') };
    case 'challenge':
      return { cla: 0, ins: 0x84, p1: 0, p2: 0, le: a.le };
    case 'authenticate': {
      const data =
        a.right && seen.challenge
          ? resetCryptogram(Buffer.from(card.jpki!.resetKey, 'hex'), seen.challenge.fid, seen.challenge.bytes)
          : a.bytes;
      return { cla: 0, ins: 0x82, p1: 0, p2: 0, data };
    }
    case 'reset':
      return { cla: 0, ins: 0x2c, p1: 2, p2: 0x80, data: Buffer.from(a.pin, 'latin1') };
    case 'read':
      return { cla: 0, ins: 0xb0, p1: a.offset >> 8, p2: a.offset & 0xff, le: a.le };
    case 'sign':
      return { cla: 0x80, ins: 0x2a, p1: 0, p2: 0x80, data: new Uint8Array(a.length).fill(0x5a), le: a.le };
    case 'raw':
      return a.bytes;
  }
}

function encode(command: CommandApdu | Uint8Array, encoding: Encoding, garbage: Uint8Array): Uint8Array {
  if (command instanceof Uint8Array) return command;
  const bytes = encodeCommand(command, { extended: encoding === 'extended' });
  switch (encoding) {
    case 'lc-lies':
      if (bytes.length > 4) bytes[4] = (bytes[4]! + garbage[0]! + 1) & 0xff;
      return bytes;
    case 'cut':
      return bytes.subarray(0, Math.max(0, bytes.length - 1 - (garbage[0]! % 4)));
    case 'trailing':
      return Uint8Array.from([...bytes, ...garbage]);
    default:
      return bytes;
  }
}

const contains = (haystack: Uint8Array, needle: Uint8Array) => Buffer.from(haystack).indexOf(needle) >= 0;

describe('virtual card over long random sessions', () => {
  it('answers every command with an ISO status word and keeps its PIN, signature and reset rules', () => {
    fc.assert(
      fc.property(session, (steps) => {
        let failWrite = false;
        const card = new VirtualCard(template, {
          onChange: () => {
            if (failWrite) throw new Error('EEPROM write failed');
          },
        });
        const seen: Observed = {
          applicationSelected: false,
          file: undefined,
          verified: new Set(),
          challenge: undefined,
          authorisedFor: undefined,
        };

        for (const { action: a, encoding, writeFails, garbage } of steps) {
          const before = card.state;
          const command = commandOf(a, before, seen);
          const bytes = encode(command, encoding, garbage);
          failWrite = writeFails;
          let response: Uint8Array;
          expect(() => (response = card.process(bytes))).not.toThrow();
          response = response!;
          const after = card.state;
          const sw = (response[response.length - 2]! << 8) | response[response.length - 1]!;
          const ok = sw === 0x9000;
          const context = `${a.op} ${encoding} → ${sw.toString(16)}`;

          // An ISO answer, never the card's own fault path, never a secret.
          expect(response.length, context).toBeGreaterThanOrEqual(2);
          expect(sw, context).not.toBe(0x6f00);
          expect([0x61, 0x62, 0x63, 0x65, 0x67, 0x69, 0x6a, 0x6b, 0x6d, 0x6e, 0x90], context).toContain(
            sw >> 8,
          );
          for (const piece of secretPieces) expect(contains(response, piece), context).toBe(false);
          expect(() => parseCardFile(JSON.stringify(after)), context).not.toThrow();
          // A failed write leaves the stored state exactly as it was.
          if (writeFails) expect(after, context).toEqual(before);

          // The session is followed from the bytes as the card parsed them, whatever was meant.
          const parsed = parseCommand(bytes);
          const ins = parsed.ok ? parsed.command.ins : undefined;
          const data = parsed.ok ? parsed.command.data : undefined;
          for (const kind of ['auth', 'sign'] as const) {
            const [was, now] = [pinState(before, kind), pinState(after, kind)];
            const targeted = pinOfFile(seen.file) === kind && ok;
            if (now.value !== was.value) {
              expect([0x24, 0x2c], context).toContain(ins);
              expect(targeted, context).toBe(true);
            }
            if (now.triesLeft > was.triesLeft) {
              expect(targeted && (ins === 0x20 || ins === 0x2c), context).toBe(true);
              expect(now.triesLeft, context).toBe(now.maxTries);
            }
            if (now.triesLeft < was.triesLeft) {
              expect(now.triesLeft, context).toBe(was.triesLeft - 1);
              expect(ins === 0x20 && pinOfFile(seen.file) === kind && sw >> 4 === 0x63c, context).toBe(true);
            }
          }

          // Follow the session from what the card accepted.
          if (ok && ins === 0xa4 && parsed.ok && parsed.command.p1 === 4) {
            Object.assign(seen, {
              applicationSelected: true,
              file: undefined,
              verified: new Set(),
              challenge: undefined,
              authorisedFor: undefined,
            });
          } else if (ok && ins === 0xa4) {
            Object.assign(seen, {
              file: ((data![0]! << 8) | data![1]!) as number,
              challenge: undefined,
              authorisedFor: undefined,
            });
          } else if (ins === 0x20 && data && data.length > 0) {
            const kind = pinOfFile(seen.file);
            if (ok) {
              expect(kind, context).toBeDefined();
              expect(pinState(before, kind!).triesLeft, context).toBeGreaterThan(0);
              expect(Buffer.from(data).toString('latin1'), context).toBe(pinState(before, kind!).value);
              seen.verified.add(kind!);
            } else if (kind && (sw >> 4 === 0x63c || sw === 0x6581)) seen.verified.delete(kind);
          } else if (ins === 0x84 && ok) {
            seen.challenge = { fid: seen.file!, bytes: response.subarray(0, response.length - 2) };
            seen.authorisedFor = undefined;
          } else if (ins === 0x82) {
            if (ok) {
              const expected = resetCryptogram(
                Buffer.from(before.jpki!.resetKey, 'hex'),
                seen.challenge!.fid,
                seen.challenge!.bytes,
              );
              expect(Buffer.from(data!).equals(expected), context).toBe(true);
              seen.authorisedFor = seen.challenge!.fid;
            }
            // The card spends its challenge on any cryptogram it gets to compare.
            if ([0x9000, 0x6300, 0x6983, 0x6581].includes(sw)) seen.challenge = undefined;
          } else if (ins === 0x2c && ok) {
            expect(seen.authorisedFor, context).toBe(seen.file);
            expect(pinOfFile(seen.file), context).toBeDefined();
            seen.verified.delete(pinOfFile(seen.file)!);
            seen.authorisedFor = undefined;
          } else if (ins === 0x2a && ok) {
            const kind = pinOfKey(seen.file);
            expect(kind && seen.verified.has(kind), context).toBe(true);
          } else if (ins === 0xb0 && ok) {
            expect(pinOfKey(seen.file), context).toBeUndefined();
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
