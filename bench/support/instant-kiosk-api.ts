import { randomBytes } from 'node:crypto';
import { deriveCardResetKey, resetCryptogram } from '../../hardware/jpki/reset-crypto';
import type { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { resetPinFileOf, type ClaimRequest, type LookupRequest } from '../../reservation-api/contract';

/**
 * The kiosk API answered in-process, at once, with what the real API would say on the happy path
 * (the claim's cryptogram is the real one for the card, derived from the issuer master key), so a
 * kiosk session runs end to end with no network and no server. Time spent inside its methods is
 * measured so it can be taken out of the kiosk core's figure.
 */
export class InstantKioskApi {
  /** Milliseconds spent inside the API methods so far. */
  elapsedMs = 0;
  /** Process CPU milliseconds used inside the API methods. */
  cpuMs = 0;
  calls = 0;
  private readonly lookups = new Map<string, LookupRequest>();

  constructor(
    private readonly masterKey: Uint8Array,
    private readonly now: () => number,
  ) {}

  /** Typed as the real client: the runtime only calls the methods below. */
  asClient(): KioskApiClient {
    return this as unknown as KioskApiClient;
  }

  private timed<T>(work: () => T): Promise<T> {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    try {
      return Promise.resolve(work());
    } finally {
      const cpu = process.cpuUsage(cpuBefore);
      this.cpuMs += (cpu.user + cpu.system) / 1000;
      this.calls += 1;
      this.elapsedMs += performance.now() - started;
    }
  }

  private id(prefix: string): string {
    return `${prefix}_${randomBytes(16).toString('base64url')}`;
  }

  /** The reservation check before any PIN: usable, admitted until the grace after today's closing. */
  reservationCheck() {
    return this.timed(() => ({ result: 'usable' as const, admittedUntil: this.now() + 86_400_000 }));
  }

  challenge() {
    return this.timed(() => ({
      nonce: randomBytes(32).toString('base64url'),
      expiresAt: this.now() + 300_000,
    }));
  }

  lookup(body: LookupRequest) {
    return this.timed(() => {
      const lookupId = this.id('lk');
      this.lookups.set(lookupId, body);
      return {
        lookupId,
        reservationId: this.id('res'),
        procedure: body.procedure,
        expiresAt: this.now() + 86_400_000,
        lookupExpiresAt: this.now() + 180_000,
      };
    });
  }

  claim(body: ClaimRequest) {
    return this.timed(() => {
      const lookup = this.lookups.get(body.lookupId);
      if (!lookup) throw new Error('claim without lookup');
      this.lookups.delete(body.lookupId);
      const key = deriveCardResetKey(this.masterKey, lookup.tokenSerial);
      const cryptogram = resetCryptogram(
        key,
        resetPinFileOf(lookup.procedure),
        Buffer.from(body.cardChallenge, 'base64'),
      );
      return {
        claimId: this.id('cl'),
        reservationId: this.id('res'),
        procedure: lookup.procedure,
        cryptogram: cryptogram.toString('base64'),
        leaseExpiresAt: this.now() + 120_000,
      };
    });
  }

  complete() {
    return this.timed(() => ({
      reservationId: this.id('res'),
      status: 'completed' as const,
      completedAt: this.now(),
    }));
  }

  release() {
    return this.timed(() => ({ reservationId: this.id('res'), status: 'active' as const }));
  }

  heartbeat() {
    return this.timed(() => ({ receivedAt: this.now(), clockSkewMs: 0 }));
  }

  events(body: { events: unknown[] }) {
    return this.timed(() => ({ accepted: body.events.length, duplicates: 0 }));
  }
}
