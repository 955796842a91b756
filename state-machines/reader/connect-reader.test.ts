import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { SessionHarness } from '../session/testing/session-harness';
import { connectReaderToSession } from './connect-reader';
import type { ReaderStatusEvent } from './reader-events';
import { readerMachine } from './reader-machine';

const READER = 'Virtual PCD 00 00';

describe('connectReaderToSession', () => {
  it("brings the listener up to date with the reader's current status, then forwards changes", () => {
    const reader = createActor(readerMachine, { input: {} }).start();
    reader.send({ type: 'reader.added', reader: READER });
    reader.send({ type: 'card.inserted', reader: READER, atr: '3B' });
    const received: ReaderStatusEvent['type'][] = [];
    const disconnect = connectReaderToSession(reader, { send: (event) => received.push(event.type) });
    expect(received).toEqual(['reader.ready', 'card.inserted']);
    reader.send({ type: 'card.removed', reader: READER });
    disconnect();
    reader.send({ type: 'reader.removed', reader: READER });
    expect(received).toEqual(['reader.ready', 'card.inserted', 'card.removed']);
  });

  it('takes the session out of service and back as the reader goes and returns', async () => {
    const session = new SessionHarness({ readerReady: false });
    const reader = createActor(readerMachine, { input: {} }).start();
    connectReaderToSession(reader, session.actor);
    expect(session.screen).toBe('out-of-service');
    reader.send({ type: 'reader.added', reader: READER });
    expect(session.screen).toBe('idle');
    reader.send({ type: 'service.unavailable', reason: 'pcscd stopped' });
    expect(session.screen).toBe('out-of-service');
    reader.send({ type: 'service.available' });
    reader.send({ type: 'reader.added', reader: READER });
    expect(session.screen).toBe('idle');
    session.stop();
  });
});
