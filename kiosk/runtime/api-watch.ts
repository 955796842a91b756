import type { Actor } from 'xstate';
import { KioskApiError } from '../api-client/kiosk-api-error';
import type { KioskApiClient } from '../api-client/kiosk-api-client';
import type { HeartbeatRequest, HeartbeatResponse } from '../../reservation-api/contract';
import type { SessionMachine } from '../../state-machines/session';

export { KIOSK_VERSION } from './kiosk-status';

export interface ApiWatchOptions {
  api: KioskApiClient;
  actor: Actor<SessionMachine>;
  /** The heartbeat to send (KioskStatus.heartbeat). */
  heartbeat: () => HeartbeatRequest;
  /** Told every answer (it carries what operators ask of this kiosk: maintenance, self-test). */
  onAnswer?: (answer: HeartbeatResponse) => void;
}

/**
 * Heartbeats double as the API's health check: a heartbeat that does not get through (network,
 * timeout, 5xx) tells the machine `api.unavailable` (out of service); the next one that does tells it
 * `api.available`. Only changes are sent.
 */
export class ApiWatch {
  private available: boolean | undefined;
  private readonly inFlight = new Set<Promise<boolean>>();

  constructor(private readonly options: ApiWatchOptions) {}

  /** Sends one heartbeat; resolves with whether the API answered. Never rejects. */
  beat(): Promise<boolean> {
    const sent = this.send();
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
    return sent;
  }

  /**
   * Resolves once every heartbeat sent so far has its answer: a kiosk that closed has nothing of
   * its left to arrive at the API (a late heartbeat would say it is still alive).
   */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async send(): Promise<boolean> {
    const { api, actor } = this.options;
    let reached: boolean;
    try {
      const answer = await api.heartbeat(this.options.heartbeat());
      reached = true;
      this.options.onAnswer?.(answer);
    } catch (error) {
      // A refusal (e.g. clock skew, revoked) is an answer: the API is up, but it is reported elsewhere.
      reached = error instanceof KioskApiError && !error.retriable && error.code !== 'BAD_RESPONSE';
    }
    if (reached !== this.available) {
      this.available = reached;
      actor.send({ type: reached ? 'api.available' : 'api.unavailable' });
    }
    return reached;
  }
}
