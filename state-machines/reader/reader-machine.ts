import { assign, emit, setup, type SnapshotFrom } from 'xstate';
import type { ReaderSourceEvent, ReaderStatusEvent } from './reader-events';

/**
 * The kiosk's reader and card presence (DESIGN §5): one reader in use, a card on it or not, the
 * PC/SC service up or down. Fed the reader source's events; emits `ReaderStatusEvent`s on every
 * change, which the runtime forwards to the session machine (`connectReaderToSession`).
 *
 * The reader in use is the one named in the input, or else the first that appears; events of
 * other readers are ignored (a kiosk has one reader; a second one plugged in must not steal it).
 */

export interface ReaderMachineInput {
  /** Use only the reader of this exact name. Default: the first reader that appears. */
  reader?: string;
}

export interface ReaderContext {
  wanted: string | null;
  /** The reader in use, while there is one. */
  reader: string | null;
  /** Uppercase hex ATR of the card on it, while there is one. */
  atr: string | null;
}

function readerOf(event: ReaderSourceEvent): string | null {
  return 'reader' in event ? event.reader : null;
}

export const readerMachine = setup({
  types: {
    context: {} as ReaderContext,
    events: {} as ReaderSourceEvent,
    input: {} as ReaderMachineInput,
    emitted: {} as ReaderStatusEvent,
  },
  guards: {
    isWantedReader: ({ context, event }) => context.wanted === null || readerOf(event) === context.wanted,
    isReaderInUse: ({ context, event }) => readerOf(event) === context.reader,
  },
  actions: {
    useReader: assign({ reader: ({ event }) => readerOf(event) }),
    forgetReader: assign({ reader: null, atr: null }),
    rememberAtr: assign({ atr: ({ event }) => (event.type === 'card.inserted' ? event.atr : null) }),
    forgetAtr: assign({ atr: null }),
    reportReaderReady: emit({ type: 'reader.ready' }),
    reportReaderUnavailable: emit({ type: 'reader.unavailable' }),
    reportCardInserted: emit({ type: 'card.inserted' }),
    reportCardRemoved: emit({ type: 'card.removed' }),
  },
}).createMachine({
  id: 'reader',
  context: ({ input }) => ({ wanted: input.reader ?? null, reader: null, atr: null }),
  initial: 'waitingForReader',
  on: { 'service.unavailable': { target: '.serviceDown', actions: 'forgetReader' } },
  states: {
    // pcscd is down; when it is back the source reports its readers again.
    serviceDown: {
      on: { 'service.available': 'waitingForReader' },
    },
    waitingForReader: {
      on: { 'reader.added': { guard: 'isWantedReader', target: 'ready', actions: 'useReader' } },
    },
    ready: {
      entry: 'reportReaderReady',
      exit: 'reportReaderUnavailable',
      initial: 'empty',
      on: {
        'reader.removed': { guard: 'isReaderInUse', target: 'waitingForReader', actions: 'forgetReader' },
      },
      states: {
        empty: {
          on: { 'card.inserted': { guard: 'isReaderInUse', target: 'cardPresent', actions: 'rememberAtr' } },
        },
        cardPresent: {
          entry: 'reportCardInserted',
          exit: ['reportCardRemoved', 'forgetAtr'],
          on: { 'card.removed': { guard: 'isReaderInUse', target: 'empty' } },
        },
      },
    },
  },
});

export type ReaderMachine = typeof readerMachine;
export type ReaderSnapshot = SnapshotFrom<ReaderMachine>;

/** The reader field of a kiosk heartbeat. */
export type ReaderHeartbeatStatus = 'ready' | 'absent' | 'unavailable';

/** What the heartbeat reports about the reader and card. */
export function readerHeartbeat(snapshot: ReaderSnapshot): {
  reader: ReaderHeartbeatStatus;
  cardPresent: boolean;
} {
  if (snapshot.matches('serviceDown')) return { reader: 'unavailable', cardPresent: false };
  if (snapshot.matches('waitingForReader')) return { reader: 'absent', cardPresent: false };
  return { reader: 'ready', cardPresent: snapshot.matches({ ready: 'cardPresent' }) };
}

/** The status events that bring a listener up to date with `snapshot` (reader first, then card). */
export function readerStatusEvents(snapshot: ReaderSnapshot): ReaderStatusEvent[] {
  const { reader, cardPresent } = readerHeartbeat(snapshot);
  return [
    { type: reader === 'ready' ? 'reader.ready' : 'reader.unavailable' },
    { type: cardPresent ? 'card.inserted' : 'card.removed' },
  ];
}
