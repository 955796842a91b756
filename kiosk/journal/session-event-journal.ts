import { randomUUID } from 'node:crypto';
import type { Actor } from 'xstate';
import type { KioskEvent } from '../../reservation-api/contract';
import type { SessionEmitted, SessionMachine } from '../../state-machines/session';
import type { Outbox } from './outbox';

/** The API event for one fact the session machine emitted (flat facts only: no PIN, token or certificate). */
export function kioskEventOf(emitted: SessionEmitted, at: number, id: string): KioskEvent {
  switch (emitted.type) {
    case 'session.started':
      return { id, type: 'session.started', at };
    case 'session.ended':
      return {
        id,
        type: 'session.ended',
        at,
        data: { outcome: emitted.outcome, procedure: emitted.procedure, error: emitted.error },
      };
    case 'alert':
    case 'alert.cleared':
      return { id, type: emitted.type, at, data: { alert: emitted.alert } };
  }
}

/**
 * Writes every fact the machine emits to the outbox as an API event (delivered with the rest).
 * Returns the unsubscribe function.
 */
export function journalSessionEvents(
  actor: Actor<SessionMachine>,
  outbox: Outbox,
  now: () => number,
  newId: () => string = randomUUID,
): () => void {
  const subscription = actor.on('*', (emitted) => {
    outbox.enqueue({ kind: 'event', event: kioskEventOf(emitted, now(), newId()) });
  });
  return () => subscription.unsubscribe();
}
