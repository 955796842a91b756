import { randomBytes } from 'node:crypto';
import type { HeartbeatResponse, KioskEvent } from '../contract';
import { ed25519PublicKey } from '../auth/kiosk-authenticator';
import { ApiError, unwrap } from '../server/api-error';
import type { KioskControl } from '../store/kiosk-control-store';
import type { KioskRecord, ReservationStore } from '../store/reservation-store';

type HeartbeatControl = NonNullable<HeartbeatResponse['control']>;

/** The kiosk event type of a reader self-test result (`data: {testId, result, detail}`). */
export const SELF_TEST_EVENT = 'reader.self-test';

/**
 * Operators' remote actions on kiosks (issue 16): out of service with a reason, back in service,
 * a reader self-test, a new key. Each is one store transaction with its audit row (operator and
 * time). What a kiosk must do travels in its heartbeat's answer: this keeps the kiosks that have
 * something asked of them in memory (few), so a heartbeat costs no extra read; the monitoring tick
 * reloads them, so changes made by the CLI or another instance reach the kiosk within a tick.
 */
export class KioskControls {
  private active = new Map<string, HeartbeatControl>();

  constructor(
    private readonly store: ReservationStore,
    private readonly now: () => number,
  ) {}

  /** Loads the kiosks with something asked of them (at start and on every monitoring tick). */
  async refresh(): Promise<void> {
    const next = new Map<string, HeartbeatControl>();
    for (const control of await this.store.controls.activeControls()) {
      next.set(control.kioskId, heartbeatControl(control));
    }
    this.active = next;
  }

  /** Kiosks out of service now (as of the last refresh or action here). */
  inMaintenance(): number {
    let count = 0;
    for (const control of this.active.values()) if (control.maintenance) count += 1;
    return count;
  }

  /** What the kiosk's heartbeat answer carries (undefined: in service, nothing asked). */
  controlFor(kioskId: string): HeartbeatControl | undefined {
    return this.active.get(kioskId);
  }

  async outOfService(kioskId: string, reason: string, operator: string): Promise<KioskControl> {
    return this.remember(
      unwrap(await this.store.controls.setMaintenance({ kioskId, reason, operator, now: this.now() })),
    );
  }

  async inService(kioskId: string, operator: string): Promise<KioskControl> {
    return this.remember(
      unwrap(await this.store.controls.setMaintenance({ kioskId, reason: null, operator, now: this.now() })),
    );
  }

  async requestSelfTest(kioskId: string, operator: string): Promise<KioskControl> {
    const testId = `tst_${randomBytes(12).toString('base64url')}`;
    return this.remember(
      unwrap(await this.store.controls.requestSelfTest({ kioskId, testId, operator, now: this.now() })),
    );
  }

  /** Replaces the kiosk's public key: requests signed with the old key are refused from now on. */
  async rotateKey(kioskId: string, publicKey: string, operator: string): Promise<KioskRecord> {
    try {
      ed25519PublicKey(publicKey);
    } catch {
      throw new ApiError('VALIDATION_FAILED');
    }
    return unwrap(
      await this.store.controls.rotateKioskKey({ kioskId, publicKey, operator, now: this.now() }),
    );
  }

  /** Records the self-test results among a kiosk's accepted events (a re-sent one is ignored). */
  async onKioskEvents(kioskId: string, events: readonly KioskEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type !== SELF_TEST_EVENT) continue;
      const testId = event.data?.['testId'];
      const result = event.data?.['result'];
      const detail = event.data?.['detail'];
      if (typeof testId !== 'string' || (result !== 'passed' && result !== 'failed')) continue;
      const recorded = await this.store.controls.recordSelfTest({
        kioskId,
        testId,
        result,
        detail: typeof detail === 'string' ? detail.slice(0, 64) : null,
        now: this.now(),
      });
      if (recorded) {
        const current = this.active.get(kioskId);
        if (current?.selfTestId === testId) this.set(kioskId, { ...current, selfTestId: null });
      }
    }
  }

  private remember(control: KioskControl): KioskControl {
    this.set(control.kioskId, heartbeatControl(control));
    return control;
  }

  private set(kioskId: string, control: HeartbeatControl): void {
    if (control.maintenance || control.selfTestId !== null) this.active.set(kioskId, control);
    else this.active.delete(kioskId);
  }
}

function heartbeatControl(control: KioskControl): HeartbeatControl {
  return {
    maintenance: control.maintenance !== null,
    selfTestId: control.selfTest && control.selfTest.result === null ? control.selfTest.testId : null,
  };
}
