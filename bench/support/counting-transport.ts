import type { TransmitOptions } from '../../hardware/transport/card-transport';
import type { ClosableTransport } from '../../kiosk/runtime/card-slot';

/** One command as seen on the transport: its instruction byte, the SELECT target, and when it went. */
export interface ApduRecord {
  ins: number;
  /** SELECT only: the file or application id, hex. */
  select?: string;
  /** A label the caller sets (e.g. the kiosk screen shown when the command was sent). */
  phase: string;
  /** performance.now() when it was sent. */
  startedAt: number;
  ms: number;
}

/**
 * Wraps a card transport to count every command and the time spent waiting for the card. Records
 * the header and the SELECT target only: never command data (PINs) or responses.
 */
export class CountingTransport implements ClosableTransport {
  readonly records: ApduRecord[] = [];
  /** Total milliseconds spent inside the wrapped transport. */
  elapsedMs = 0;
  /** Process CPU milliseconds (user + system) used while a command was pending: the card's work when in-process. */
  cpuMs = 0;

  constructor(
    private readonly inner: ClosableTransport,
    private readonly phase: () => string = () => '',
  ) {}

  get atr(): Uint8Array {
    return this.inner.atr;
  }

  /** Ends the wrapped card session (PC/SC sessions reset the card). */
  close(): Promise<void> | void {
    return this.inner.close?.();
  }

  async transmit(command: Uint8Array, options?: TransmitOptions): Promise<Uint8Array> {
    const ins = command[1] ?? 0;
    const record: ApduRecord = { ins, phase: this.phase(), startedAt: performance.now(), ms: 0 };
    if (ins === 0xa4) record.select = Buffer.from(command.subarray(5, 5 + (command[4] ?? 0))).toString('hex');
    const cpuBefore = process.cpuUsage();
    try {
      return await this.inner.transmit(command, options);
    } finally {
      const cpu = process.cpuUsage(cpuBefore);
      this.cpuMs += (cpu.user + cpu.system) / 1000;
      record.ms = performance.now() - record.startedAt;
      this.elapsedMs += record.ms;
      this.records.push(record);
    }
  }
}

/** Instruction names for the report. */
export const INS_NAMES: Record<number, string> = {
  0xa4: 'SELECT',
  0xb0: 'READ BINARY',
  0x20: 'VERIFY',
  0x2a: 'COMPUTE DIGITAL SIGNATURE',
  0x84: 'GET CHALLENGE',
  0x82: 'EXTERNAL AUTHENTICATE',
  0x2c: 'RESET RETRY COUNTER',
  0x24: 'CHANGE REFERENCE DATA',
};
