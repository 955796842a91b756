import type { Actor } from 'xstate';
import { READER_STATUS_EVENT_TYPES, type ReaderStatusEvent } from './reader-events';
import { type ReaderMachine, readerStatusEvents } from './reader-machine';

/** Anything that takes the reader's status events (the session actor does). */
export interface ReaderStatusListener {
  send(event: ReaderStatusEvent): void;
}

/**
 * Feeds the session from the reader machine: first the reader's current status (so a session
 * started late is not left believing there is no reader), then every change as it is emitted.
 * Returns the function that disconnects them.
 */
export function connectReaderToSession(
  reader: Actor<ReaderMachine>,
  session: ReaderStatusListener,
): () => void {
  for (const event of readerStatusEvents(reader.getSnapshot())) session.send(event);
  const subscriptions = READER_STATUS_EVENT_TYPES.map((type) =>
    reader.on(type, (event) => session.send(event)),
  );
  return () => {
    for (const subscription of subscriptions) subscription.unsubscribe();
  };
}
