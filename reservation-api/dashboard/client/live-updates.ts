import type { OpsStreamEvent, OpsStreamEventName } from '../../contract/admin';
import { API_PATHS } from '../../contract/paths';

/**
 * The dashboard's live channel: the operator API's SSE stream. EventSource reconnects by itself
 * after a network drop; when the server refuses the stream (session gone, restart) it gives up,
 * so we ask whether the session still exists and either show the login or reconnect with backoff.
 * Every (re)connection is reported with `onConnected`, where the caller reloads the lists.
 */

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface LiveHandlers {
  onEvent(event: OpsStreamEvent): void;
  /** The stream is open (first time or again): reload the lists, then apply events on top. */
  onConnected(): void;
  onState(state: ConnectionState): void;
  /** Resolves true while the operator's session is valid. */
  sessionValid(): Promise<boolean>;
  /** The session is gone: the caller shows the login form. */
  onSessionEnded(): void;
}

/** Restated from the contract (type-checked) so the bundle does not pull in the schema library. */
const STREAM_EVENTS: readonly OpsStreamEventName[] = [
  'hello',
  'kiosk',
  'alert',
  'stats',
  'session',
  'summary',
];
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

export interface LiveUpdates {
  close(): void;
}

export function openLiveUpdates(handlers: LiveHandlers): LiveUpdates {
  let source: EventSource | undefined;
  let retryMs = FIRST_RETRY_MS;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const connect = (): void => {
    if (closed) return;
    source = new EventSource(API_PATHS.opsStream);
    source.addEventListener('open', () => {
      retryMs = FIRST_RETRY_MS;
      handlers.onState('live');
      handlers.onConnected();
    });
    for (const name of STREAM_EVENTS) {
      source.addEventListener(name, (message: MessageEvent<string>) => {
        let data: unknown;
        try {
          data = JSON.parse(message.data);
        } catch {
          return;
        }
        handlers.onEvent({ event: name, data } as OpsStreamEvent);
      });
    }
    source.addEventListener('error', () => {
      if (closed) return;
      handlers.onState('reconnecting');
      if (source?.readyState === EventSource.CLOSED) void giveUpOrRetry();
    });
  };

  const giveUpOrRetry = async (): Promise<void> => {
    source?.close();
    const valid = await handlers.sessionValid().catch(() => true);
    if (closed) return;
    if (!valid) {
      closed = true;
      handlers.onSessionEnded();
      return;
    }
    retryTimer = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };

  handlers.onState('connecting');
  connect();
  return {
    close() {
      closed = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      source?.close();
    },
  };
}
