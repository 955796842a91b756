import { type ApduLogger, silentLogger } from '../apdu-log';
import { CardError } from '../card-error';
import type { CardTransport, TransmitOptions } from '../transport/card-transport';
import { traceFields } from './apdu-trace';
import { type CommandApdu, encodeCommand } from './command-apdu';
import { parseResponse, type ResponseApdu } from './response-apdu';

/**
 * One command, one response, over a `CardTransport`: encodes, transmits with a deadline and the
 * AbortSignal, parses, logs (masked) and wipes its own command buffer, which may carry a PIN.
 * Every failure is a `CardError`.
 */

export interface ApduChannelOptions {
  /** Receives one line per APDU (header, lengths, SW); PIN and cryptogram data are masked. */
  logger?: ApduLogger;
  /** Deadline of every transmit. */
  timeoutMs?: number;
  /** Aborting rejects the pending and every later exchange with kind `aborted`. */
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 5_000;
/** The channel's own deadline fires this much after the transport's, in case a transport ignores its deadline. */
const BACKSTOP_GRACE_MS = 500;

export class ApduChannel {
  private readonly logger: ApduLogger;
  private readonly timeoutMs: number;
  private readonly signal: AbortSignal | undefined;

  constructor(
    private readonly transport: CardTransport,
    options: ApduChannelOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.signal = options.signal;
  }

  /** The same channel with another AbortSignal (undefined: none). */
  withSignal(signal: AbortSignal | undefined): ApduChannel {
    const options: ApduChannelOptions = { logger: this.logger, timeoutMs: this.timeoutMs };
    return new ApduChannel(this.transport, signal === undefined ? options : { ...options, signal });
  }

  /** Sends one command and returns its response; the encoded command is wiped whatever happens. */
  async exchange(command: CommandApdu): Promise<ResponseApdu> {
    const bytes = encodeCommand(command);
    try {
      const response = parseResponse(await this.transmit(bytes));
      this.logger.debug(
        traceFields(command, { sw: response.sw, responseLength: response.data.length }),
        'apdu',
      );
      return response;
    } catch (error) {
      const failure = asCardError(error);
      this.logger.debug(traceFields(command, { error: failure.kind }), 'apdu failed');
      throw failure;
    } finally {
      bytes.fill(0);
    }
  }

  /** The transport enforces the deadline; a backstop timer guarantees no hang even if it does not. */
  private transmit(bytes: Uint8Array): Promise<Uint8Array> {
    const signal = this.signal;
    if (signal?.aborted) return Promise.reject(abortedError());
    const options: TransmitOptions = signal
      ? { timeoutMs: this.timeoutMs, signal }
      : { timeoutMs: this.timeoutMs };
    return new Promise<Uint8Array>((resolve, reject) => {
      const settle = (outcome: () => void) => {
        clearTimeout(backstop);
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const onAbort = () => settle(() => reject(abortedError()));
      const backstop = setTimeout(
        () => settle(() => reject(new CardError('timeout', `no answer within ${this.timeoutMs} ms`))),
        this.timeoutMs + BACKSTOP_GRACE_MS,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.transport.transmit(bytes, options).then(
        (response) => settle(() => resolve(response)),
        (error: unknown) => settle(() => reject(error)),
      );
    });
  }
}

function abortedError(): CardError {
  return new CardError('aborted', 'the card exchange was cancelled');
}

/** Anything a transport throws becomes a CardError; a foreign error is a `transport` fault. */
function asCardError(error: unknown): CardError {
  if (error instanceof CardError) return error;
  return new CardError('transport', 'the card transport failed', { cause: error });
}
