import { platform, release } from 'node:os';
import type { Actor } from 'xstate';
import type { HeartbeatRequest } from '../../reservation-api/contract';
import { readerHeartbeat, type ReaderMachine } from '../../state-machines/reader';
import { type SessionAlert, type SessionMachine, toViewModel } from '../../state-machines/session';
import type { Outbox } from '../journal/outbox';

export const KIOSK_VERSION = '0.1.0';

/** A name as the heartbeat's short-text fields accept it (reader names may hold brackets). */
function shortText(value: string | null | undefined): string | undefined {
  const text = value
    ?.replace(/[^A-Za-z0-9._:/ -]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 64);
  return text ? text : undefined;
}

/** The operating system, for operators' kiosk page. */
const OS_DESCRIPTION = shortText(`${platform()} ${release()}`) ?? 'unknown';

/**
 * Operator alerts a kiosk reports in its heartbeats (`alerts`). The machine's own (raised and
 * cleared as events too) plus the ones the runtime derives from what it sees.
 */
export type KioskAlert =
  /**
   * `card-left-behind`; `settlement-not-recorded`, also derived: the outbox holds a completion or
   * release it failed to deliver (docs/kiosk-runtime.md, "Alerts").
   */
  | SessionAlert
  /** The reader is absent or the PC/SC service is down (the kiosk is out of service). */
  | 'reader-unavailable'
  /** The API refused an outbox message for good (e.g. a completion after the lease ran out). */
  | 'outbox-rejected'
  /** Crash recovery could not tell whether a reset took; the claim was released (docs/kiosk-runtime.md). */
  | 'reset-outcome-uncertain';

/** Counters a heartbeat carries: since this process started, except the outbox ones (the journal's). */
export interface SessionCounters {
  sessions_started: number;
  sessions_completed: number;
  sessions_cancelled: number;
  sessions_failed: number;
}

export interface KioskStatusOptions {
  session: Actor<SessionMachine>;
  reader: Actor<ReaderMachine>;
  outbox: Outbox;
  now: () => number;
  version?: string;
  /** Overrides what the reader machine says of the reader (a card source without one). */
  readerStatus?: () => HeartbeatRequest['reader'];
  /** Alerts from elsewhere (crash recovery) that stay active while this returns them. */
  extraAlerts?: () => readonly KioskAlert[];
}

/**
 * The kiosk's picture for operators: what each heartbeat says. Follows the machine's emitted
 * alerts and session bookends; reads the reader machine, the card and the outbox when asked.
 */
export class KioskStatus {
  /**
   * The machine raises `settlement-not-recorded` itself only when a settlement could not even be
   * written to the journal: nothing durable to follow, so it stays until the process restarts
   * (crash recovery then writes the settlement to the outbox, whose record takes over).
   */
  private readonly machineAlerts = new Set<SessionAlert>();
  private readonly counters: SessionCounters = {
    sessions_started: 0,
    sessions_completed: 0,
    sessions_cancelled: 0,
    sessions_failed: 0,
  };
  private readonly unsubscribe: () => void;

  constructor(private readonly options: KioskStatusOptions) {
    const subscription = options.session.on('*', (emitted) => {
      switch (emitted.type) {
        case 'session.started':
          this.counters.sessions_started += 1;
          return;
        case 'session.ended':
          this.counters[`sessions_${emitted.outcome}`] += 1;
          return;
        case 'alert':
          this.machineAlerts.add(emitted.alert);
          return;
        case 'alert.cleared':
          this.machineAlerts.delete(emitted.alert);
      }
    });
    this.unsubscribe = () => subscription.unsubscribe();
  }

  /** The alerts active now, sorted. */
  alerts(): KioskAlert[] {
    const { outbox } = this.options;
    const active = new Set<KioskAlert>(this.machineAlerts);
    if (this.reader().reader !== 'ready') active.add('reader-unavailable');
    // From the journal, not from memory: ends once the outbox delivered (or the API refused) every
    // settlement it could not deliver, and comes back after a restart while one is still pending.
    if (outbox.unrecordedSettlements() > 0) active.add('settlement-not-recorded');
    if (outbox.counts().rejected > 0) active.add('outbox-rejected');
    for (const alert of this.options.extraAlerts?.() ?? []) active.add(alert);
    return [...active].sort();
  }

  /** The heartbeat to send now. */
  heartbeat(): HeartbeatRequest {
    const { session, outbox, now } = this.options;
    const reader = this.reader();
    const outboxCounts = outbox.counts();
    const readerModel = shortText(this.options.reader.getSnapshot().context.reader);
    return {
      state: toViewModel(session.getSnapshot()).screen,
      reader: reader.reader,
      cardPresent: reader.cardPresent,
      version: this.options.version ?? KIOSK_VERSION,
      clock: now(),
      counters: {
        ...this.counters,
        outbox_pending: outboxCounts.pending,
        outbox_rejected: outboxCounts.rejected,
      },
      alerts: this.alerts(),
      os: OS_DESCRIPTION,
      ...(readerModel === undefined ? {} : { readerModel }),
    };
  }

  stop(): void {
    this.unsubscribe();
  }

  private reader(): { reader: HeartbeatRequest['reader']; cardPresent: boolean } {
    const fromMachine = readerHeartbeat(this.options.reader.getSnapshot());
    const override = this.options.readerStatus?.();
    return override === undefined ? fromMachine : { ...fromMachine, reader: override };
  }
}
