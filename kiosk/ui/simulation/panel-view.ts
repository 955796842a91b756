/**
 * The simulation panel's page, built once and then updated in place: each state from the server
 * changes only the texts, attributes and disabled flags whose data changed (dom-sync.ts). Nothing
 * is ever redrawn, so a person typing a demo time while the kiosk moves on keeps what they typed,
 * the caret and the focus. The view decides nothing about the demo; it shows the state and turns
 * clicks into the existing simulation actions.
 */
import type { SimulationAction, SimulationOutcome } from '../../ui-server/simulation-actions';
import type { SimulationPanelState } from '../../simulation/simulation-panel';
import { parseTimeOfDay } from '../../simulation/demo-clock';
import { button, h } from '../../../web/dom';
import { syncAttribute, syncDisabled, syncHidden, syncSelect, syncText } from './dom-sync';

export interface PanelView {
  /** Brings every part of the panel up to `state`, touching only what differs. */
  update(state: SimulationPanelState): void;
  /** The ticking demo clock line (the page calls it every second). */
  showDemoTime(epochMs: number): void;
  /** A problem reaching the kiosk (stream down, request refused), or null once it is over. */
  showNotice(message: string | null): void;
}

const JAPAN_TIME = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `2026-03-02 10:00:07 JST`. */
function formatDemoTime(epochMs: number): string {
  return `${JAPAN_TIME.format(new Date(epochMs)).replace(',', '')} JST`;
}

function group(title: string, ...children: Array<HTMLElement | null>): HTMLElement {
  return h('section', { class: 'group' }, h('h2', {}, title), ...children);
}

/** The `data-sim-action` name of an action: its type, plus the procedure of a phone step. */
function actionName(action: SimulationAction): string {
  return action.type === 'phone.reserve' ? `phone.reserve.${action.procedure}` : action.type;
}

/**
 * Builds the panel into `root` (replacing what was there) and returns the view; `send` posts
 * one action. Call once, when the first state arrives.
 */
export function mountPanel(root: HTMLElement, send: (action: SimulationAction) => void): PanelView {
  const actionButton = (label: string, action: SimulationAction): HTMLButtonElement =>
    button({ 'data-sim-action': actionName(action) }, label, () => send(action));

  const kioskScreen = h('code', { id: 'kiosk-screen' });
  const notice = h('p', { id: 'connection', class: 'notice', role: 'alert', hidden: true });
  const outcome = h('p', { id: 'outcome', class: 'outcome', role: 'status' });

  const persona = h('select', { id: 'persona' });
  persona.addEventListener('change', () => send({ type: 'persona.select', persona: persona.value }));
  const personaHint = h('p', { class: 'hint', id: 'persona-description' });
  const onReader = h('p', { id: 'card-on-reader' });
  const insert = actionButton('Insert card', { type: 'card.insert' });
  const remove = actionButton('Remove card', { type: 'card.remove' });
  const renew = actionButton('Fresh card', { type: 'card.renew' });

  const pinsHint = h('p', { class: 'hint' });
  // Says why the phone step and "Fresh card" are greyed out, instead of leaving a person guessing.
  const onReaderHint = h(
    'p',
    { class: 'hint', id: 'card-in-kiosk-hint', hidden: true },
    'The card is on the kiosk\'s reader: remove it first (the phone and "Fresh card" need it in your hand).',
  );
  const reserveSign = actionButton('Reserve: signature PIN reset', {
    type: 'phone.reserve',
    procedure: 'signature-pin',
  });
  const reserveAuth = actionButton('Reserve: 4-digit PIN reset', {
    type: 'phone.reserve',
    procedure: 'auth-pin',
  });

  const demoClock = h('span', { id: 'demo-clock' });
  const clockTag = h('span', { class: 'tag' });
  const realTime = actionButton('Real time', { type: 'clock.real' });
  // The clock only moves forward (docs/demo.md): say so, so a person knows where a preset lands.
  const clockHint = h(
    'p',
    { class: 'hint', id: 'demo-clock-hint' },
    'The demo clock only moves forward: a time goes to its next occurrence (tomorrow if it has passed today), ' +
      'so nothing the demo recorded is ever dated in the future.',
  );
  const timeForm = clockForm(send);

  root.replaceChildren(
    h(
      'header',
      {},
      h('h1', {}, 'Simulation panel'),
      h('p', { class: 'hint' }, 'Demo only — not part of a real kiosk. Kiosk screen: ', kioskScreen),
    ),
    notice,
    outcome,
    group(
      'Card',
      h('label', { for: 'persona' }, 'Persona (the card in your hand)'),
      persona,
      personaHint,
      onReader,
      h('div', { class: 'row' }, insert, remove, renew),
    ),
    group(
      'Phone step (step 1: reservation with the app)',
      pinsHint,
      h('div', { class: 'row' }, reserveSign, reserveAuth),
      onReaderHint,
    ),
    group(
      'Demo clock (kiosk and API together)',
      h('p', { class: 'clock' }, demoClock, clockTag),
      h(
        'div',
        { class: 'row' },
        realTime,
        button({ 'data-sim-action': 'clock.set.10:00' }, 'Next 10:00 JST', () =>
          send({ type: 'clock.set', japanTime: '10:00' }),
        ),
        button({ 'data-sim-action': 'clock.set.23:30' }, 'Next 23:30 JST — closed', () =>
          send({ type: 'clock.set', japanTime: '23:30' }),
        ),
        actionButton('24 h later — reservations expire', { type: 'clock.age-reservations' }),
      ),
      clockHint,
      timeForm,
    ),
  );

  return {
    update(state) {
      syncText(kioskScreen, state.kioskScreen ?? '—');
      showOutcome(outcome, state.busy, state.lastOutcome);

      syncSelect(
        persona,
        state.personas.map(({ name }) => ({ value: name, label: name })),
        state.persona,
      );
      syncText(personaHint, state.personas.find((p) => p.name === state.persona)?.description ?? '');
      const card = state.cardOnReader;
      syncText(onReader, `On the reader: ${card ?? 'no card'}`);
      syncAttribute(onReader, 'data-card', card ?? '');
      syncDisabled(insert, card !== null);
      syncDisabled(remove, card === null);
      // The phone and the card issuer need the card in hand, not on the kiosk's reader.
      const inHand = card !== state.persona;
      syncDisabled(renew, !inHand);
      syncDisabled(reserveSign, !inHand);
      syncDisabled(reserveAuth, !inHand);
      syncHidden(onReaderHint, inHand);
      syncText(
        pinsHint,
        `Uses the demo cards' PINs as issued: 4-digit ${state.demoPins.auth}, signature ${state.demoPins.sign}. ` +
          'After a reset at the kiosk the card has your new PIN: use "Fresh card" to get the demo PINs back.',
      );

      syncAttribute(demoClock, 'data-offset', String(state.clock.offsetMs));
      syncText(clockTag, state.clock.realTime ? 'real time' : 'demo time');
      syncAttribute(clockTag, 'class', state.clock.realTime ? 'tag' : 'tag tag-warn');
      // Once ahead, going back to real time would date the demo's records in the future.
      syncDisabled(realTime, !state.clock.realTime);
    },
    showDemoTime(epochMs) {
      syncText(demoClock, formatDemoTime(epochMs));
    },
    showNotice(message) {
      syncText(notice, message ?? '');
      syncHidden(notice, message === null);
    },
  };
}

/** The outcome line: the action under way, else the last outcome, else "Ready.". */
function showOutcome(line: HTMLElement, busy: string | null, last: SimulationOutcome | null): void {
  const kind = busy ? 'busy' : last ? (last.ok ? 'ok' : 'refused') : null;
  syncText(line, busy ? `${busy}…` : (last?.message ?? 'Ready.'));
  syncAttribute(line, 'class', kind ? `outcome ${kind}` : 'outcome');
  syncAttribute(line, 'data-busy', busy);
  syncAttribute(line, 'data-ok', !busy && last ? String(last.ok) : null);
}

/**
 * "Set the demo clock to HH:MM Japan time": a plain text field (a browser's time input shows AM/PM
 * in an English locale, and its half-typed segments are invisible to the page), submitted with
 * Enter or the button. A malformed entry is explained next to the field and sends nothing.
 */
function clockForm(send: (action: SimulationAction) => void): HTMLFormElement {
  const input = h('input', {
    id: 'demo-time',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: 5,
    placeholder: 'HH:MM',
    'aria-describedby': 'demo-time-help',
  });
  const help = h('p', { id: 'demo-time-help', class: 'hint' }, 'Japan time, 24 h: e.g. 09:30 or 23:30.');
  const form = h(
    'form',
    { class: 'time-form', novalidate: true },
    h('label', { for: 'demo-time' }, 'Set the demo clock to'),
    h(
      'div',
      { class: 'row' },
      input,
      h('button', { type: 'submit', 'data-sim-action': 'clock.set' }, 'Set demo clock'),
    ),
    help,
  );
  const explain = (problem: string | null): void => {
    syncAttribute(input, 'aria-invalid', problem ? 'true' : null);
    syncAttribute(help, 'class', problem ? 'hint field-error' : 'hint');
    syncText(help, problem ?? 'Japan time, 24 h: e.g. 09:30 or 23:30.');
  };
  input.addEventListener('input', () => explain(null));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const japanTime = input.value.trim();
    if (parseTimeOfDay(japanTime) === undefined) {
      explain(
        japanTime === ''
          ? 'Type a time first: HH:MM, 24 h (e.g. 09:30).'
          : `"${japanTime}" is not a time: type HH:MM, 24 h (e.g. 09:30).`,
      );
      input.focus();
      return;
    }
    explain(null);
    send({ type: 'clock.set', japanTime });
  });
  return form;
}
