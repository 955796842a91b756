import type { CustomerErrorId } from './customer-errors';
import type { Procedure } from './pin-rules';

/**
 * Everything the session machine hears, as one discriminated union. Three sources:
 * the UI (taps), the devices (the reader machine and the runtime's API health) and the clock.
 */

/** Taps on the kiosk UI (the same shapes kiosk/ui-server accepts, plus `pin.clear`). */
export type UiEvent =
  /** One key of the on-screen keyboard: a single character; lowercase is accepted and uppercased. */
  | { type: 'pin.key'; key: string }
  | { type: 'pin.backspace' }
  | { type: 'pin.clear' }
  | { type: 'pin.submit' }
  | { type: 'session.start' }
  | { type: 'procedure.select'; procedure: Procedure }
  | { type: 'consent.accept' }
  /** やめる / 取消: on a waiting screen, asks "stop here?" (a dialog); busy screens ignore it. */
  | { type: 'session.cancel' }
  /** "Yes, stop" in that dialog: the session ends. */
  | { type: 'cancel.confirm' }
  /** "No, go on" in that dialog, or closing the help: back to the screen as it was. */
  | { type: 'dialog.close' }
  /** ヘルプ: what this step is, what is needed, where to call (a dialog over the waiting screen). */
  | { type: 'help.open' }
  /** 戻る on the choice, consent and place-card screens (the first screen asks "stop here?"). */
  | { type: 'session.back' }
  /** "More time" on the inactivity warning: the screen's timers start again (any number of times). */
  | { type: 'session.extend' }
  /** "Finish" on the result screens (ends the session); on waiting screens the same as `session.extend`. */
  | { type: 'session.continue' }
  | { type: 'language.select'; language: string }
  /** Large text and high contrast, or back to the standard look; lasts until the card is taken. */
  | { type: 'display.select'; mode: DisplayMode };

/** How the screens are drawn: standard, or large text in high contrast. */
export const DISPLAY_MODES = ['standard', 'large'] as const;
export type DisplayMode = (typeof DISPLAY_MODES)[number];

/**
 * Device facts. The reader ones come from the reader machine (state-machines/reader); the API ones
 * from the runtime's health checks (heartbeats, failed calls).
 */
export type DeviceEvent =
  /** A reader is present and the PC/SC service answers. */
  | { type: 'reader.ready' }
  | { type: 'reader.unavailable' }
  | { type: 'card.inserted' }
  | { type: 'card.removed' }
  | { type: 'api.available' }
  | { type: 'api.unavailable' }
  /**
   * An operator put the kiosk out of service (maintenance), or back in service — the runtime
   * learns it from the heartbeat's answer. A session under way finishes; no new one starts.
   */
  | { type: 'operator.maintenance' }
  | { type: 'operator.inService' };

/** The runtime's clock, sent now and then (e.g. every minute and after NTP adjustments). */
export type ClockEvent = { type: 'clock.sync'; now: number };

/**
 * Raised by the machine itself: `hours.closing` at closing time (sessions not admitted end),
 * `hours.closed` when the grace is over too (every session not resetting ends).
 */
export type InternalEvent = { type: 'hours.closing' } | { type: 'hours.closed' };

export type SessionEvent = UiEvent | DeviceEvent | ClockEvent | InternalEvent;

/** How a session ended, for the runtime's journal and the operators' counters. */
export type SessionOutcome = 'completed' | 'cancelled' | 'failed';

/** Operator alerts the machine raises. */
export type SessionAlert =
  /** The card stayed on the reader after the session ended. */
  | 'card-left-behind'
  /**
   * The settlement (completion or release) of a claim could not be written to the outbox. The runtime
   * also reports this alert while a settlement sits undelivered in the outbox (kiosk-status.ts).
   */
  | 'settlement-not-recorded';

/** Events the machine emits (`actor.on(type, …)`): facts for journal, metrics and alerts. No PIN data. */
export type SessionEmitted =
  | { type: 'session.started' }
  | {
      type: 'session.ended';
      outcome: SessionOutcome;
      procedure: Procedure | null;
      error: CustomerErrorId | null;
    }
  | { type: 'alert'; alert: SessionAlert }
  | { type: 'alert.cleared'; alert: SessionAlert };
