import { describeCommand } from '../apdu/apdu-trace';
import { parseCommand } from '../apdu/command-apdu';
import { CardError } from '../card-error';
import type { CardTransport, TransmitOptions } from './card-transport';
import { DEFAULT_IN_PROCESS_TIMEOUT_MS, PendingAnswer } from './in-process-transport';

/**
 * A transport that plays a script of exchanges (expected command → canned answer), in the manner
 * of web-eid's pcsc-mock: unit tests of the client against any card behaviour, malformed answers
 * included. A command other than the next expected one fails with kind `transport`.
 */

/** Hex (spaces allowed) or bytes; a `CardError` to fail the transmit with; `hang` never answers. */
export type ScriptedAnswer = string | Uint8Array | CardError | { hang: true };

export interface ScriptedExchange {
  /** The exact command expected, hex (spaces allowed) or bytes. */
  command: string | Uint8Array;
  answer: ScriptedAnswer;
}

/** Bytes from hex that may contain spaces, e.g. `"00 A4 04 0C"`. */
export function hexBytes(hex: string): Uint8Array {
  const compact = hex.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(compact)) throw new RangeError(`not hex: ${hex}`);
  return Uint8Array.from(Buffer.from(compact, 'hex'));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** A masked description of raw command bytes (never the data of PIN or cryptogram commands). */
function describeRaw(bytes: Uint8Array): string {
  const parsed = parseCommand(bytes);
  return parsed.ok ? describeCommand(parsed.command) : `${bytes.length} unparseable bytes`;
}

export class ScriptedTransport implements CardTransport {
  readonly atr: Uint8Array;
  /** Every command buffer as the client passed it (not copies), so tests can check it was wiped. */
  readonly received: Uint8Array[] = [];
  private readonly script: ScriptedExchange[];
  private readonly defaultTimeoutMs: number;

  constructor(script: ScriptedExchange[], options: { atr?: Uint8Array; defaultTimeoutMs?: number } = {}) {
    this.script = [...script];
    this.atr = options.atr ?? hexBytes('3BE000FF8131FE4514');
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_IN_PROCESS_TIMEOUT_MS;
  }

  /** Exchanges not yet played. */
  get remaining(): number {
    return this.script.length;
  }

  transmit(command: Uint8Array, options: TransmitOptions = {}): Promise<Uint8Array> {
    this.received.push(command);
    const pending = new PendingAnswer(options, this.defaultTimeoutMs);
    if (pending.settled) return pending.promise;
    const next = this.script.shift();
    const expected = next && (typeof next.command === 'string' ? hexBytes(next.command) : next.command);
    if (!next || !expected || !sameBytes(command, expected)) {
      const wanted = expected ? describeRaw(expected) : 'nothing (script finished)';
      pending.fail(new CardError('transport', `script expected ${wanted}, got ${describeRaw(command)}`));
      return pending.promise;
    }
    const { answer } = next;
    if (answer instanceof CardError) pending.fail(answer);
    else if (typeof answer === 'string') queueMicrotask(() => pending.answer(hexBytes(answer)));
    else if (answer instanceof Uint8Array) queueMicrotask(() => pending.answer(Uint8Array.from(answer)));
    // { hang: true }: only the deadline or the signal will settle it.
    return pending.promise;
  }
}
