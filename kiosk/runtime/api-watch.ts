import type { Actor } from 'xstate';
import { KioskApiError } from '../api-client/kiosk-api-error';
import type { KioskApiClient } from '../api-client/kiosk-api-client';
import { type SessionMachine, toViewModel } from '../../state-machines/session';
import type { Outbox } from '../journal/outbox';
import type { CardSlot } from './card-slot';

export const KIOSK_VERSION = '0.1.0';

export interface ApiWatchOptions {
  api: KioskApiClient;
  actor: Actor<SessionMachine>;
  slot: CardSlot;
  outbox: Outbox;
  now: () => number;
  /** What the card source says of the reader. */
  reader: () => 'ready' | 'absent' | 'unavailable';
}

/**
 * Heartbeats double as the API's health check: a heartbeat that does not get through (network,
 * timeout, 5xx) tells the machine `api.unavailable` (out of service); the next one that does tells it
 * `api.available`. Only changes are sent. Heartbeats carry the screen, reader state and outbox size.
 */
export class ApiWatch {
  private available: boolean | undefined;

  constructor(private readonly options: ApiWatchOptions) {}

  /** Sends one heartbeat; resolves with whether the API answered. Never rejects. */
  async beat(): Promise<boolean> {
    const { api, actor, slot, outbox, now, reader } = this.options;
    let reached: boolean;
    try {
      await api.heartbeat({
        state: toViewModel(actor.getSnapshot()).screen,
        reader: reader(),
        cardPresent: slot.present,
        version: KIOSK_VERSION,
        clock: now(),
        counters: { outbox_pending: outbox.pendingCount() },
      });
      reached = true;
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
