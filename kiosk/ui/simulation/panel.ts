/**
 * Browser entry point of the simulation panel (npm start only): a second small page beside the
 * kiosk window, served by the same kiosk UI server behind the same launch secret. It shows the
 * simulated kiosk's state and posts actions; it never sends a PIN (the phone step uses the demo
 * PINs server-side) and shows only the documented demo PINs.
 */
import type { SimulationAction } from '../../ui-server/simulation-actions';
import type { SimulationPanelState } from '../../simulation/simulation-panel';
import { type PanelView, mountPanel } from './panel-view';

/** Why a refused request refused, in words a person at the demo can act on. */
function refusal(status: number): string {
  if (status === 401) {
    return 'The kiosk no longer knows this page (npm start restarted?): open the Simulation panel URL it printed.';
  }
  return `The kiosk refused the request (HTTP ${status}).`;
}

/** Posts actions one after the other, in click order; the stream brings the resulting state. */
function actionPoster(report: (problem: string | null) => void): (action: SimulationAction) => void {
  let pending = Promise.resolve();
  return (action) => {
    pending = pending.then(async () => {
      try {
        const response = await fetch('/simulation/actions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(action),
        });
        report(response.ok ? null : refusal(response.status));
      } catch {
        report('The kiosk is not reachable (has npm start stopped?).');
      }
    });
  };
}

function start(): void {
  const root = document.getElementById('panel');
  if (!root) return;
  root.textContent = 'Connecting to the kiosk…';
  let view: PanelView | undefined;
  let revision = 0;
  // The demo time of the last state and when it arrived: the clock line ticks on from there.
  let clock = { nowMs: 0, at: 0 };
  const post = actionPoster((problem) => view?.showNotice(problem));
  const showTime = (): void => view?.showDemoTime(clock.nowMs + (performance.now() - clock.at));

  const stream = new EventSource('/simulation/stream');
  stream.addEventListener('message', (message: MessageEvent<string>) => {
    const state = JSON.parse(message.data) as SimulationPanelState;
    view ??= mountPanel(root, post);
    view.update(state);
    view.showNotice(null);
    clock = { nowMs: state.clock.nowMs, at: performance.now() };
    showTime();
    // Tests wait for this to know the page has taken in a new state.
    root.dataset.revision = String(++revision);
  });
  stream.addEventListener('error', () => {
    // EventSource retries by itself after a dropped connection, but not after an error status.
    const problem =
      stream.readyState === EventSource.CLOSED
        ? 'The kiosk closed the connection for good: open the Simulation panel URL npm start printed.'
        : 'The kiosk is not reachable (has npm start stopped?). Reconnecting…';
    if (view) view.showNotice(problem);
    else root.textContent = problem;
  });
  setInterval(showTime, 1000);
}

start();
