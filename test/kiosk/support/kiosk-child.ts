import { createPrivateKey } from 'node:crypto';
import { SimulatedClock } from 'xstate';
import { JPKI_ATR } from '../../../hardware/jpki/constants';
import type { CardTransport, TransmitOptions } from '../../../hardware/transport/card-transport';
import { InProcessTransport } from '../../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../../hardware/virtual-card/virtual-card';
import { KioskApiClient } from '../../../kiosk/api-client/kiosk-api-client';
import { startKioskRuntime } from '../../../kiosk/runtime/kiosk-runtime';
import type { Procedure } from '../../../state-machines/session';
import { SessionDriver } from './session-driver';

/**
 * A kiosk as its own process, for crash tests (test/kiosk/kiosk-crash-recovery.test.ts). Reads its
 * configuration as one JSON line on stdin, runs one reset on a virtual card and, at the requested
 * stop point, prints `STOPPED <point>` and hangs there until the test SIGKILLs it (or prints
 * `FINISHED <screen>` when it never got there).
 */

/** Where a reset can be stopped: before a request/APDU is sent, or after it was answered (`-answer`). */
export const STOP_POINTS = [
  'claim-request',
  'claim-answer',
  'external-authenticate',
  'reset-retry-counter',
  'reset-retry-counter-answer',
  'verify-new-pin',
  'verify-new-pin-answer',
  'complete-delivery',
] as const;
export type StopPoint = (typeof STOP_POINTS)[number];

export interface KioskChildConfig {
  apiUrl: string;
  kioskId: string;
  privateKeyPem: string;
  procedures: Procedure[];
  dataDir: string;
  /** The kiosk's clock (fixed: the test's API clock). */
  now: number;
  cardPath?: string;
  stopAt?: StopPoint;
  procedure?: Procedure;
  provenPin?: string;
  newPin?: string;
}

const INS_EXTERNAL_AUTHENTICATE = 0x82;
const INS_RESET_RETRY_COUNTER = 0x2c;
const INS_VERIFY = 0x20;

function stop(point: StopPoint): Promise<never> {
  process.stdout.write(`STOPPED ${point}\n`);
  return new Promise<never>(() => {});
}

/** The card, stopping at `stopAt` when it is an APDU of the reset. */
class StoppingTransport implements CardTransport {
  private pinWritten = false;
  constructor(
    private readonly inner: InProcessTransport,
    private readonly stopAt: StopPoint | undefined,
  ) {}
  get atr(): Uint8Array {
    return this.inner.atr;
  }
  async transmit(command: Uint8Array, options?: TransmitOptions): Promise<Uint8Array> {
    const ins = command[1];
    const point =
      ins === INS_EXTERNAL_AUTHENTICATE
        ? 'external-authenticate'
        : ins === INS_RESET_RETRY_COUNTER
          ? 'reset-retry-counter'
          : ins === INS_VERIFY && this.pinWritten && command.length > 5
            ? 'verify-new-pin'
            : undefined;
    if (point !== undefined && point === this.stopAt) return stop(point);
    const response = await this.inner.transmit(command, options);
    if (point !== undefined && `${point}-answer` === this.stopAt) return stop(this.stopAt);
    if (ins === INS_RESET_RETRY_COUNTER) this.pinWritten = true;
    return response;
  }
}

/** The API client, stopping at `stopAt` when it is an API call. */
function stoppingClient(client: KioskApiClient, stopAt: StopPoint | undefined): KioskApiClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const call = (...args: unknown[]) =>
        (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      if (property === 'claim' && stopAt === 'claim-request') return () => stop('claim-request');
      if (property === 'claim' && stopAt === 'claim-answer') {
        return async (...args: unknown[]) => {
          await call(...args);
          return stop('claim-answer');
        };
      }
      if (property === 'complete' && stopAt === 'complete-delivery') return () => stop('complete-delivery');
      return call;
    },
  });
}

async function main(): Promise<void> {
  const input = await new Promise<string>((resolve) => {
    let text = '';
    process.stdin.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text);
    });
  });
  const config = JSON.parse(input) as KioskChildConfig;
  const client = new KioskApiClient({
    baseUrl: config.apiUrl,
    kioskId: config.kioskId,
    privateKey: createPrivateKey(config.privateKeyPem),
    now: () => config.now,
  });
  const kiosk = await startKioskRuntime({
    api: stoppingClient(client, config.stopAt),
    procedures: config.procedures,
    dataDir: config.dataDir,
    now: () => config.now,
    timers: new SimulatedClock(),
    tickMs: 3_600_000,
  });
  const { cardPath, provenPin, newPin, procedure } = config;
  if (!cardPath || !provenPin || !newPin || !procedure) throw new Error('the child needs a card and PINs');
  kiosk.slot.useOpener(
    () => new StoppingTransport(new InProcessTransport(VirtualCard.fromFile(cardPath)), config.stopAt),
  );
  const atr = Buffer.from(JPKI_ATR).toString('hex').toUpperCase();
  kiosk.reader.send({ type: 'reader.added', reader: 'Child reader' });
  kiosk.reader.send({ type: 'card.inserted', reader: 'Child reader', atr });
  const driver = new SessionDriver(kiosk.actor);
  await driver.only('idle');
  driver.begin(procedure);
  const screen = await driver.runReset(provenPin, newPin);
  await kiosk.deliverOutbox();
  process.stdout.write(`FINISHED ${screen}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`kiosk-child: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
