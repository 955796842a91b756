/**
 * Browser entry point of the simulation panel (npm start only): a second small page beside the
 * kiosk window, served by the same kiosk UI server behind the same launch secret. It shows the
 * simulated kiosk's state and posts actions; it never sends a PIN (the phone step uses the demo
 * PINs server-side) and shows only the documented demo PINs.
 */
import type { SimulationAction, SimulationOutcome } from '../../ui-server/simulation-actions';
import type { SimulationPanelState } from '../../simulation/simulation-panel';
import { button, h } from '../../../web/dom';

const JAPAN_TIME = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** The clock line: demo time ticking in the page (real clock + the demo offset). */
function demoTime(offsetMs: number): string {
  return `${JAPAN_TIME.format(new Date(Date.now() + offsetMs)).replace(',', '')} JST`;
}

let pending = Promise.resolve();

/** Posts one action, in order after the previous one; the stream brings the new state. */
function act(action: SimulationAction): void {
  pending = pending.then(async () => {
    await fetch('/simulation/actions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(action),
    }).catch(() => undefined);
  });
}

function section(title: string, ...children: Array<HTMLElement | null>): HTMLElement {
  return h('section', { class: 'group' }, h('h2', {}, title), ...children);
}

function actionButton(label: string, action: SimulationAction, disabled = false): HTMLElement {
  const name = action.type === 'phone.reserve' ? `phone.reserve.${action.procedure}` : action.type;
  return button({ 'data-sim-action': name, disabled }, label, () => act(action));
}

function clockSection(state: SimulationPanelState): HTMLElement {
  const input = h('input', { type: 'time', id: 'demo-time', 'aria-label': 'Japan time of day' });
  const set = button({ 'data-sim-action': 'clock.set' }, 'Set', () => {
    if (/^\d\d:\d\d$/.test(input.value)) act({ type: 'clock.set', japanTime: input.value });
  });
  return section(
    'Demo clock (kiosk and API together)',
    h(
      'p',
      { class: 'clock' },
      h('span', { id: 'demo-clock', 'data-offset': state.clock.offsetMs }, demoTime(state.clock.offsetMs)),
      state.clock.realTime
        ? h('span', { class: 'tag' }, 'real time')
        : h('span', { class: 'tag tag-warn' }, 'demo time'),
    ),
    h(
      'div',
      { class: 'row' },
      button({ 'data-sim-action': 'clock.real' }, 'Real time', () => act({ type: 'clock.real' })),
      button({ 'data-sim-action': 'clock.set.10:00' }, '10:00 JST', () =>
        act({ type: 'clock.set', japanTime: '10:00' }),
      ),
      button({ 'data-sim-action': 'clock.set.23:30' }, '23:30 JST — closed', () =>
        act({ type: 'clock.set', japanTime: '23:30' }),
      ),
    ),
    h('div', { class: 'row' }, input, set),
  );
}

function cardSection(state: SimulationPanelState): HTMLElement {
  const select = h(
    'select',
    { id: 'persona', 'aria-label': 'Persona' },
    ...state.personas.map((persona) =>
      h('option', { value: persona.name, selected: persona.name === state.persona }, persona.name),
    ),
  );
  select.addEventListener('change', () => act({ type: 'persona.select', persona: select.value }));
  const described = state.personas.find((persona) => persona.name === state.persona);
  const onReader = state.cardOnReader;
  return section(
    'Card',
    h('label', { for: 'persona' }, 'Persona'),
    select,
    described ? h('p', { class: 'hint' }, described.description) : null,
    h(
      'p',
      { id: 'card-on-reader', 'data-card': onReader ?? '' },
      onReader ? `On the reader: ${onReader}` : 'On the reader: no card',
    ),
    h(
      'div',
      { class: 'row' },
      actionButton('Insert card', { type: 'card.insert' }, onReader !== null),
      actionButton('Remove card', { type: 'card.remove' }, onReader === null),
      actionButton('Fresh card', { type: 'card.renew' }, onReader === state.persona),
    ),
  );
}

function phoneSection(state: SimulationPanelState): HTMLElement {
  const inHand = state.cardOnReader !== state.persona;
  return section(
    'Phone step (step 1: reservation with the app)',
    h(
      'p',
      { class: 'hint' },
      `Uses the demo cards' PINs as issued: 4-digit ${state.demoPins.auth}, signature ${state.demoPins.sign}. ` +
        'After a reset at the kiosk the card has your new PIN: use "Fresh card" to get the demo PINs back.',
    ),
    h(
      'div',
      { class: 'row' },
      actionButton(
        'Reserve: signature PIN reset',
        { type: 'phone.reserve', procedure: 'signature-pin' },
        !inHand,
      ),
      actionButton('Reserve: 4-digit PIN reset', { type: 'phone.reserve', procedure: 'auth-pin' }, !inHand),
    ),
  );
}

function outcomeLine(state: SimulationPanelState): HTMLElement {
  const outcome: SimulationOutcome | null = state.lastOutcome;
  if (state.busy)
    return h(
      'p',
      { id: 'outcome', class: 'outcome busy', role: 'status', 'data-busy': state.busy },
      `${state.busy}…`,
    );
  if (!outcome) return h('p', { id: 'outcome', class: 'outcome', role: 'status' }, 'Ready.');
  return h(
    'p',
    {
      id: 'outcome',
      class: `outcome ${outcome.ok ? 'ok' : 'refused'}`,
      role: 'status',
      'data-ok': String(outcome.ok),
    },
    outcome.message,
  );
}

function render(root: HTMLElement, state: SimulationPanelState, revision: number): void {
  root.replaceChildren(
    h(
      'header',
      {},
      h('h1', {}, 'Simulation panel'),
      h(
        'p',
        { class: 'hint' },
        'Demo only — not part of a real kiosk. Kiosk screen: ',
        h('code', { id: 'kiosk-screen' }, state.kioskScreen ?? '—'),
      ),
    ),
    outcomeLine(state),
    cardSection(state),
    phoneSection(state),
    clockSection(state),
  );
  root.dataset.revision = String(revision);
}

function start(): void {
  const root = document.getElementById('panel');
  if (!root) return;
  let revision = 0;
  let offsetMs = 0;
  const stream = new EventSource('/simulation/stream');
  stream.addEventListener('message', (message: MessageEvent<string>) => {
    const state = JSON.parse(message.data) as SimulationPanelState;
    offsetMs = state.clock.offsetMs;
    render(root, state, ++revision);
  });
  stream.addEventListener('error', () => {
    // EventSource retries by itself; until then say why nothing reacts.
    const outcome = document.getElementById('outcome');
    if (outcome) {
      outcome.className = 'outcome refused';
      outcome.textContent = 'The kiosk is not reachable (has npm start stopped?). Reconnecting…';
    }
  });
  setInterval(() => {
    const clock = document.getElementById('demo-clock');
    if (clock) clock.textContent = demoTime(offsetMs);
  }, 1000);
}

start();
