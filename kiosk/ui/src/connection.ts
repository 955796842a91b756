import type { UiEvent } from '../../ui-server/ui-events';

/**
 * The UI's only two channels to the kiosk core: view models in over SSE, events out over POST.
 * The per-launch secret travels in an HttpOnly cookie the browser adds by itself.
 */
export interface Connection {
  send(event: UiEvent): void;
}

export interface ConnectionHandlers<ViewModel> {
  onViewModel(viewModel: ViewModel): void;
  /** The stream dropped; EventSource reconnects by itself and onViewModel resumes. */
  onLost(): void;
}

/** Opens the view-model stream and returns the event sender. */
export function connect<ViewModel>(handlers: ConnectionHandlers<ViewModel>): Connection {
  const stream = new EventSource('/view-model/stream');
  stream.addEventListener('message', (message: MessageEvent<string>) => {
    handlers.onViewModel(JSON.parse(message.data) as ViewModel);
  });
  stream.addEventListener('error', () => handlers.onLost());

  // One POST at a time, in tap order: the browser may otherwise send concurrent requests over
  // several connections, and two quick key taps could reach the core swapped.
  let previous: Promise<unknown> = Promise.resolve();
  const post = (event: UiEvent): Promise<unknown> =>
    fetch('/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    }).catch(() => handlers.onLost());
  return {
    send(event) {
      // Fire and forget: the next view model is the answer.
      previous = previous.then(() => post(event));
    },
  };
}
