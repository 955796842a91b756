import { API_PATHS, type HeartbeatRequest, type HeartbeatResponse } from '../../reservation-api/contract';
import type { AckLog } from './ack-log';
import type { FleetKiosk } from './fleet-kiosks';
import type { FleetRequests } from './fleet-requests';
import type { FleetStats } from './fleet-stats';

/** A kiosk heartbeats every 10 s (kiosk/runtime), whatever the fleet's size. */
export const HEARTBEAT_PERIOD_MS = 10_000;

/** What one simulated kiosk carries between requests. */
export interface KioskState {
  kiosk: FleetKiosk;
  /** Heartbeats this run sent (the `heartbeats` counter of the next one is seq + 1). */
  seq: number;
  heartbeatInFlight: boolean;
  inSession: boolean;
  sessionsCompleted: number;
}

export const FLEET_VERSION = 'fleet-sim/1';

/**
 * Sends the fleet's heartbeats on the real cadence, spread evenly: kiosk i's phase is
 * i/N of the period, so N kiosks make N/10 heartbeats a second in a steady stream. A kiosk whose
 * previous heartbeat is still unanswered skips its turn (as the kiosk runtime does): that shows
 * as achieved < asked.
 */
export class HeartbeatSchedule {
  private due = 0;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly kiosks: readonly KioskState[],
    private readonly requests: FleetRequests,
    private readonly stats: FleetStats,
    private readonly acks: AckLog,
    private readonly periodMs: number = HEARTBEAT_PERIOD_MS,
  ) {}

  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.tick(), 5);
    this.tick();
  }

  /** Stops scheduling; resolves once every heartbeat sent has its answer. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
  }

  private tick(): void {
    const n = this.kiosks.length;
    if (n === 0) return;
    const elapsed = performance.now() - this.startedAt;
    const dueNow = Math.floor((elapsed / this.periodMs) * n) + 1;
    for (; this.due < dueNow; this.due += 1) {
      const state = this.kiosks[this.due % n]!;
      this.stats.heartbeatDue();
      if (state.heartbeatInFlight) {
        this.stats.heartbeatsSkipped += 1;
        continue;
      }
      const sent = this.send(state);
      this.inFlight.add(sent);
      void sent.finally(() => this.inFlight.delete(sent));
    }
  }

  private async send(state: KioskState): Promise<void> {
    state.heartbeatInFlight = true;
    const seq = state.seq + 1;
    state.seq = seq;
    this.stats.heartbeatsSent += 1;
    const heartbeat: HeartbeatRequest = {
      state: state.inSession ? 'session' : 'idle',
      reader: 'ready',
      cardPresent: state.inSession,
      version: FLEET_VERSION,
      clock: this.requests.now(),
      // `heartbeats` numbers this run's heartbeats: the database's last one tells which arrived.
      counters: { heartbeats: seq, sessions_completed: state.sessionsCompleted },
    };
    try {
      const answer = await this.requests.post<HeartbeatResponse>(
        'heartbeat',
        API_PATHS.kioskHeartbeat,
        heartbeat,
        state.kiosk,
      );
      if (answer) this.acks.record({ kind: 'heartbeat', kioskId: state.kiosk.kioskId, seq });
    } finally {
      state.heartbeatInFlight = false;
    }
  }
}
