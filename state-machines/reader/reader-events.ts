import type { DeviceEvent } from '../session/session-events';

/**
 * Presence events of a reader source, as hardware/transport/card-transport.ts `ReaderEvent`
 * defines them (copied, not imported: state-machines uses nothing outside itself). The PC/SC source
 * and the in-process one emit exactly these; the runtime passes them to the reader machine as-is.
 */
export type ReaderSourceEvent =
  | { type: 'reader.added'; reader: string }
  | { type: 'reader.removed'; reader: string }
  | { type: 'card.inserted'; reader: string; atr: string }
  | { type: 'card.removed'; reader: string }
  /** pcscd gone / no service: the source keeps trying to rebuild its context. */
  | { type: 'service.unavailable'; reason: string }
  | { type: 'service.available' };

/** What the reader machine tells the session machine: the reader and card facts of DeviceEvent. */
export type ReaderStatusEvent = Extract<
  DeviceEvent,
  { type: 'reader.ready' | 'reader.unavailable' | 'card.inserted' | 'card.removed' }
>;

export const READER_STATUS_EVENT_TYPES = [
  'reader.ready',
  'reader.unavailable',
  'card.inserted',
  'card.removed',
] as const satisfies ReadonlyArray<ReaderStatusEvent['type']>;
