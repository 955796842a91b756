import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { ReaderMachineInput } from './reader-machine';
import { readerHeartbeat, readerMachine } from './reader-machine';
import type { ReaderSourceEvent, ReaderStatusEvent } from './reader-events';

function startReader(input: ReaderMachineInput = {}) {
  const actor = createActor(readerMachine, { input });
  const emitted: ReaderStatusEvent['type'][] = [];
  actor.on('*', (event) => emitted.push(event.type));
  actor.start();
  const send = (...events: ReaderSourceEvent[]) => events.forEach((event) => actor.send(event));
  return { actor, emitted, send };
}

const READER = 'Virtual PCD 00 00';
const ATR = '3BE000FF8131FE4514';

describe('reader machine', () => {
  it('starts without a reader and emits nothing until one appears', () => {
    const { actor, emitted } = startReader();
    expect(actor.getSnapshot().value).toBe('waitingForReader');
    expect(emitted).toEqual([]);
    expect(readerHeartbeat(actor.getSnapshot())).toEqual({ reader: 'absent', cardPresent: false });
  });

  it('reports the reader ready, then a card inserted and removed', () => {
    const { actor, emitted, send } = startReader();
    send({ type: 'reader.added', reader: READER });
    send({ type: 'card.inserted', reader: READER, atr: ATR });
    expect(actor.getSnapshot().context.atr).toBe(ATR);
    expect(readerHeartbeat(actor.getSnapshot())).toEqual({ reader: 'ready', cardPresent: true });
    send({ type: 'card.removed', reader: READER });
    expect(emitted).toEqual(['reader.ready', 'card.inserted', 'card.removed']);
    expect(actor.getSnapshot().context.atr).toBeNull();
  });

  it('reports the card removed before the reader when the reader goes with the card on it', () => {
    const { actor, emitted, send } = startReader();
    send({ type: 'reader.added', reader: READER }, { type: 'card.inserted', reader: READER, atr: ATR });
    send({ type: 'reader.removed', reader: READER });
    expect(emitted).toEqual(['reader.ready', 'card.inserted', 'card.removed', 'reader.unavailable']);
    expect(actor.getSnapshot().value).toBe('waitingForReader');
    expect(actor.getSnapshot().context.reader).toBeNull();
  });

  it('loses the reader when the PC/SC service goes, and waits for the source to list it again', () => {
    const { actor, emitted, send } = startReader();
    send({ type: 'reader.added', reader: READER }, { type: 'card.inserted', reader: READER, atr: ATR });
    send({ type: 'service.unavailable', reason: 'pcscd stopped' });
    expect(readerHeartbeat(actor.getSnapshot())).toEqual({ reader: 'unavailable', cardPresent: false });
    send({ type: 'reader.added', reader: READER });
    expect(actor.getSnapshot().value).toBe('serviceDown');
    send({ type: 'service.available' }, { type: 'reader.added', reader: READER });
    expect(emitted).toEqual([
      'reader.ready',
      'card.inserted',
      'card.removed',
      'reader.unavailable',
      'reader.ready',
    ]);
  });

  it('keeps the first reader and ignores the events of a second one', () => {
    const { actor, emitted, send } = startReader();
    send({ type: 'reader.added', reader: READER }, { type: 'reader.added', reader: 'Other 01' });
    send(
      { type: 'card.inserted', reader: 'Other 01', atr: ATR },
      { type: 'reader.removed', reader: 'Other 01' },
    );
    expect(actor.getSnapshot().context.reader).toBe(READER);
    expect(emitted).toEqual(['reader.ready']);
  });

  it('uses only the reader named in its input', () => {
    const { actor, emitted, send } = startReader({ reader: 'Virtual PCD 00 01' });
    send({ type: 'reader.added', reader: READER });
    expect(actor.getSnapshot().value).toBe('waitingForReader');
    send({ type: 'reader.added', reader: 'Virtual PCD 00 01' });
    expect(emitted).toEqual(['reader.ready']);
  });

  it('ignores a repeated insertion of the card already present', () => {
    const { emitted, send } = startReader();
    send({ type: 'reader.added', reader: READER });
    send(
      { type: 'card.inserted', reader: READER, atr: ATR },
      { type: 'card.inserted', reader: READER, atr: ATR },
    );
    expect(emitted).toEqual(['reader.ready', 'card.inserted']);
  });
});
