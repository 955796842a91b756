import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CardError } from '../card-error';
import type { CardTransport, TransmitOptions } from '../transport/card-transport';
import { type ScriptedExchange, ScriptedTransport } from '../transport/scripted-transport';
import { testCardFile } from '../virtual-card/testing/test-card-file';
import { JpkiClient } from './jpki-client';

/** The client against scripted card answers: malformed, short, wrong and missing. */

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();
const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

const SELECT_AID = '00A4040C0AD392F000260100000001';
const selected = (fid: string): ScriptedExchange[] => [
  { command: SELECT_AID, answer: '9000' },
  { command: `00A4020C02${fid}`, answer: '9000' },
];

async function errorOf(promise: Promise<unknown>): Promise<CardError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CardError);
  return error as CardError;
}

let certificate: Uint8Array;
beforeAll(async () => {
  certificate = new Uint8Array(Buffer.from((await testCardFile()).jpki!.authCertificate, 'base64'));
});

/** READ BINARY of `ne` bytes at `offset`, short form. */
const readBinary = (offset: number, ne: number) =>
  `00B0${offset.toString(16).padStart(4, '0')}${(ne === 256 ? 0 : ne).toString(16).padStart(2, '0')}`;

describe('malformed and unexpected answers become typed errors', () => {
  it.each([
    ['no bytes at all', ''],
    ['a single byte', '90'],
  ])('%s → malformed-response', async (_name, answer) => {
    const transport = new ScriptedTransport([{ command: SELECT_AID, answer }]);
    expect((await errorOf(new JpkiClient(transport).selectApplication())).kind).toBe('malformed-response');
  });

  it('token info too short for the serial → malformed-response', async () => {
    const transport = new ScriptedTransport([
      ...selected('0006'),
      { command: '00B00000A0', answer: '00'.repeat(90) + '9000' },
    ]);
    expect((await errorOf(new JpkiClient(transport).readTokenInfo())).kind).toBe('malformed-response');
  });

  it('an empty VERIFY answered 90 00 is not a PIN status', async () => {
    const transport = new ScriptedTransport([...selected('0018'), { command: '00200080', answer: '9000' }]);
    const error = await errorOf(new JpkiClient(transport).pinStatus('auth'));
    expect([error.kind, error.sw]).toEqual(['unexpected-status', 0x9000]);
  });

  it('an unknown SW on VERIFY → unexpected-status with the SW', async () => {
    const transport = new ScriptedTransport([
      ...selected('001B'),
      { command: '00200080064142433132FF', answer: '6F00' },
    ]);
    const error = await errorOf(
      new JpkiClient(transport).verifyPin('sign', Uint8Array.from([0x41, 0x42, 0x43, 0x31, 0x32, 0xff])),
    );
    expect([error.kind, error.sw]).toEqual(['unexpected-status', 0x6f00]);
  });

  it('a missing file → file-not-found', async () => {
    const transport = new ScriptedTransport([
      { command: SELECT_AID, answer: '9000' },
      { command: '00A4020C02000B', answer: '6A82' },
    ]);
    expect((await errorOf(new JpkiClient(transport).readCertificate('auth-ca'))).kind).toBe('file-not-found');
  });

  it.each([
    ['a signature of 255 bytes', 'AA'.repeat(255) + '9000', 'malformed-response'],
    ['a signature of 257 bytes', 'AA'.repeat(257) + '9000', 'malformed-response'],
    ['69 82 (PIN not verified)', '6982', 'security-status-not-satisfied'],
  ])('sign answered with %s → %s', async (_name, answer, kind) => {
    const digestInfo = '3031300D060960864801650304020105000420' + '00'.repeat(32);
    const transport = new ScriptedTransport([
      ...selected('0017'),
      { command: `802A008033${digestInfo}00`, answer },
    ]);
    expect((await errorOf(new JpkiClient(transport).sign('auth', new Uint8Array(32)))).kind).toBe(kind);
  });

  it('a challenge of 7 bytes → malformed-response', async () => {
    const transport = new ScriptedTransport([
      ...selected('001B'),
      { command: '0084000008', answer: '01020304050607' + '9000' },
    ]);
    expect((await errorOf(new JpkiClient(transport).beginReset('sign'))).kind).toBe('malformed-response');
  });

  it('a transport failure that is not a CardError → transport, and the selection is forgotten', async () => {
    const transport = new ScriptedTransport([
      ...selected('0018'),
      { command: '00200080', answer: new CardError('reader-unavailable', 'reader gone') },
      { command: SELECT_AID, answer: '9000' },
      { command: '00A4020C020018', answer: '9000' },
      { command: '00200080', answer: '63C3' },
    ]);
    const client = new JpkiClient(transport);
    expect((await errorOf(client.pinStatus('auth'))).kind).toBe('reader-unavailable');
    expect(await client.pinStatus('auth')).toEqual({ triesLeft: 3, blocked: false });
    expect(transport.remaining).toBe(0);
  });

  it('a foreign exception from the transport becomes kind transport', async () => {
    const transport: CardTransport = {
      atr: new Uint8Array(0),
      transmit: () => Promise.reject(new Error('boom')),
    };
    const error = await errorOf(new JpkiClient(transport).selectApplication());
    expect(error.kind).toBe('transport');
    expect((error.cause as Error).message).toBe('boom');
  });
});

describe('certificate reading', () => {
  /** The certificate file as a card holds it: DER then FF filler. */
  const file = () => {
    const content = new Uint8Array(certificate.length + 300).fill(0xff);
    content.set(certificate);
    return content;
  };
  const answer = (content: Uint8Array, offset: number, ne: number) =>
    hex(content.subarray(offset, Math.min(offset + ne, content.length))) + '9000';

  it('reads header and body in one first APDU, then 256-byte chunks, never past the DER', async () => {
    const content = file();
    const script: ScriptedExchange[] = [...selected('000A')];
    for (let offset = 0; offset < certificate.length; offset += 256) {
      const ne = offset === 0 ? 256 : Math.min(256, certificate.length - offset);
      script.push({ command: readBinary(offset, ne), answer: answer(content, offset, ne) });
    }
    const transport = new ScriptedTransport(script);
    const der = await new JpkiClient(transport).readCertificate('auth');
    expect(hex(der)).toBe(hex(certificate));
    expect(transport.remaining).toBe(0);
    expect(transport.received).toHaveLength(2 + Math.ceil(certificate.length / 256));
  });

  it('with extended length: one short read, then one extended read of the rest', async () => {
    const content = file();
    const rest = certificate.length - 256;
    const transport = new ScriptedTransport([
      ...selected('000A'),
      { command: readBinary(0, 256), answer: answer(content, 0, 256) },
      { command: `00B0010000${rest.toString(16).padStart(4, '0')}`, answer: answer(content, 256, rest) },
    ]);
    const der = await new JpkiClient(transport, { extendedLength: true }).readCertificate('auth');
    expect(hex(der)).toBe(hex(certificate));
    expect(transport.remaining).toBe(0);
  });

  it('copes with a card that answers fewer bytes than asked', async () => {
    const content = file();
    const script: ScriptedExchange[] = [
      ...selected('000A'),
      { command: readBinary(0, 256), answer: answer(content, 0, 100) },
    ];
    for (let offset = 100; offset < certificate.length; offset += 200) {
      const ne = Math.min(256, certificate.length - offset);
      script.push({ command: readBinary(offset, ne), answer: answer(content, offset, 200) });
    }
    const der = await new JpkiClient(new ScriptedTransport(script)).readCertificate('auth');
    expect(hex(der)).toBe(hex(certificate));
  });

  it.each([
    ['not a SEQUENCE', 'FF'.repeat(256)],
    ['an indefinite length', '3080' + '00'.repeat(254)],
    ['a length beyond 15-bit offsets', '3083010000' + '00'.repeat(251)],
    ['a header cut short', '3082'],
  ])('a file starting with %s → malformed-response', async (_name, first) => {
    const transport = new ScriptedTransport([
      ...selected('000A'),
      { command: readBinary(0, 256), answer: first + '9000' },
    ]);
    expect((await errorOf(new JpkiClient(transport).readCertificate('auth'))).kind).toBe(
      'malformed-response',
    );
  });

  it('a file shorter than its DER header says (6B 00) → malformed-response', async () => {
    const content = file();
    const transport = new ScriptedTransport([
      ...selected('000A'),
      { command: readBinary(0, 256), answer: answer(content, 0, 256) },
      { command: readBinary(256, 256), answer: '6B00' },
    ]);
    const error = await errorOf(new JpkiClient(transport).readCertificate('auth'));
    expect([error.kind, error.sw]).toEqual(['malformed-response', 0x6b00]);
  });

  it('an empty chunk answered 90 00 → malformed-response, not an endless loop', async () => {
    const content = file();
    const transport = new ScriptedTransport([
      ...selected('000A'),
      { command: readBinary(0, 256), answer: answer(content, 0, 256) },
      { command: readBinary(256, 256), answer: '9000' },
    ]);
    expect((await errorOf(new JpkiClient(transport).readCertificate('auth'))).kind).toBe(
      'malformed-response',
    );
  });

  it('a DER length over garbage content → malformed-response', async () => {
    const garbage = new Uint8Array(certificate.length).fill(0x42);
    garbage.set(certificate.subarray(0, 4));
    const script: ScriptedExchange[] = [...selected('000A')];
    for (let offset = 0; offset < garbage.length; offset += 256) {
      const ne = offset === 0 ? 256 : Math.min(256, garbage.length - offset);
      script.push({ command: readBinary(offset, ne), answer: answer(garbage, offset, ne) });
    }
    expect((await errorOf(new JpkiClient(new ScriptedTransport(script)).readCertificate('auth'))).kind).toBe(
      'malformed-response',
    );
  });
});

describe('PIN buffers', () => {
  it("wipes its own command buffer after the exchange and leaves the caller's PIN to the caller", async () => {
    const verifyAbc123 = '00200080' + '06' + '414243313233';
    const transport = new ScriptedTransport([
      ...selected('001B'),
      { command: verifyAbc123, answer: '63C4' },
      { command: verifyAbc123, answer: '9000' },
    ]);
    const client = new JpkiClient(transport);
    const pin = ascii('ABC123');
    const wrong = await errorOf(client.verifyPin('sign', pin));
    expect([wrong.kind, wrong.triesLeft]).toEqual(['wrong-pin', 4]);
    await client.verifyPin('sign', pin);
    expect(transport.remaining).toBe(0);
    expect(hex(pin)).toBe(hex(ascii('ABC123')));
    const verifyBuffers = transport.received.slice(2);
    expect(verifyBuffers).toHaveLength(2);
    for (const buffer of verifyBuffers) expect(buffer.every((b) => b === 0)).toBe(true);
  });

  it('refuses an empty PIN (it would be a status query) without sending it', async () => {
    const transport = new ScriptedTransport([]);
    await expect(new JpkiClient(transport).verifyPin('auth', new Uint8Array(0))).rejects.toThrow(RangeError);
    expect(transport.received).toHaveLength(0);
  });

  it('will not send a new PIN for RESET RETRY COUNTER unless that PIN file is selected', async () => {
    const transport = new ScriptedTransport(selected('0018').concat({ command: '00200080', answer: '63C3' }));
    const client = new JpkiClient(transport);
    await client.pinStatus('auth');
    const error = await errorOf(client.resetRetryCounter('sign', ascii('NEWPIN1')));
    expect(error.kind).toBe('security-status-not-satisfied');
    expect(transport.received).toHaveLength(3);
  });
});

describe('deadlines and cancellation', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes its deadline and signal to every transmit', async () => {
    const seen: TransmitOptions[] = [];
    const inner = new ScriptedTransport([...selected('0018'), { command: '00200080', answer: '63C2' }]);
    const spy: CardTransport = {
      atr: inner.atr,
      transmit: (command, options) => {
        seen.push(options ?? {});
        return inner.transmit(command, options);
      },
    };
    const signal = new AbortController().signal;
    await new JpkiClient(spy, { timeoutMs: 1234, signal }).pinStatus('auth');
    expect(seen).toHaveLength(3);
    for (const options of seen) expect(options).toEqual({ timeoutMs: 1234, signal });
  });

  it('a card that never answers → timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const transport = new ScriptedTransport([{ command: SELECT_AID, answer: { hang: true } }]);
    const pending = errorOf(new JpkiClient(transport, { timeoutMs: 300 }).selectApplication());
    await vi.advanceTimersByTimeAsync(300);
    expect((await pending).kind).toBe('timeout');
  });

  it('its own backstop ends the wait when a transport ignores deadlines', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const deaf: CardTransport = { atr: new Uint8Array(0), transmit: () => new Promise(() => {}) };
    const pending = errorOf(new JpkiClient(deaf, { timeoutMs: 300 }).selectApplication());
    await vi.advanceTimersByTimeAsync(800);
    expect((await pending).kind).toBe('timeout');
  });

  it('an already aborted signal sends nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const transport = new ScriptedTransport([]);
    const error = await errorOf(
      new JpkiClient(transport, { signal: controller.signal }).verifyPin('auth', ascii('1234')),
    );
    expect(error.kind).toBe('aborted');
    expect(transport.received).toHaveLength(0);
  });
});
