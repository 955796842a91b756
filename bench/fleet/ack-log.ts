import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * Every write the API acknowledged, one JSON line each, for checking against the database
 * afterwards (counted, not sampled): heartbeats by kiosk and sequence number, reservations
 * created, claims completed.
 */
export type Acknowledged =
  | { kind: 'heartbeat'; kioskId: string; seq: number }
  | { kind: 'reservation'; reservationId: string }
  | { kind: 'complete'; kioskId: string; claimId: string; reservationId: string };

export class AckLog {
  private readonly stream: WriteStream | undefined;

  constructor(path: string | undefined) {
    this.stream = path ? createWriteStream(path, { flags: 'w' }) : undefined;
  }

  record(ack: Acknowledged): void {
    this.stream?.write(`${JSON.stringify(ack)}\n`);
  }

  close(): Promise<void> {
    const stream = this.stream;
    return stream ? new Promise((resolve) => stream.end(resolve)) : Promise.resolve();
  }
}
