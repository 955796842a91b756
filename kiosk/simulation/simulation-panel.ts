import type { Actor } from 'xstate';
import { type Procedure, type SessionMachine, toViewModel } from '../../state-machines/session';
import type {
  SimulationAction,
  SimulationControls,
  SimulationOutcome,
} from '../ui-server/simulation-actions';
import { DEMO_PERSONAS, DEMO_PINS, type DemoCards } from './demo-cards';
import { DEFAULT_SERVICE_WINDOW, nextServiceWindowChange } from '../../state-machines/time/service-window';
import { maySessionStart } from '../../state-machines/time/session-admission';
import { type DemoClock, formatJapanDateTime, parseTimeOfDay } from './demo-clock';
import { type HandReaderKiosk, SimulatedCardReader, SimulatedReaderError } from './simulated-card-reader';

/** A reservation is usable for 24 hours (the API's reservationTtlMs). */
const RESERVATION_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** What the simulation panel page shows. Never a PIN but the documented demo PINs. */
export interface SimulationPanelState {
  personas: { name: string; description: string; issued: boolean }[];
  /** The persona whose card the hand holds (insert, phone step and renew act on it). */
  persona: string;
  /** The persona whose card is on the kiosk's reader, if any. */
  cardOnReader: string | null;
  /** The PINs every demo card is issued with; a reset at the kiosk changes them on that card. */
  demoPins: { auth: string; sign: string };
  /**
   * Demo clock: its time when this state was made (the page ticks on from it), the offset from
   * real time, "is real time", and the time as text.
   */
  clock: { nowMs: number; offsetMs: number; realTime: boolean; japanTime: string };
  /** The kiosk's current screen id. */
  kioskScreen: string | null;
  /** A long action under way ("issuing a card", "phone step"), for a busy indicator. */
  busy: string | null;
  lastOutcome: SimulationOutcome | null;
}

/** Step 1 on the phone for a card file: resolves to a one-line summary (never the token), rejects with a readable error. */
export type PhoneStep = (cardPath: string, procedure: Procedure) => Promise<string>;

export interface SimulationPanelOptions {
  cards: DemoCards;
  clock: DemoClock;
  phoneStep: PhoneStep;
  /** Default: `sign-pin-blocked`, the typical customer. */
  initialPersona?: string;
}

/** The simulated kiosk the panel acts on, known once the kiosk runtime has started. */
interface AttachedKiosk {
  actor: Actor<SessionMachine>;
  reader: SimulatedCardReader;
}

/**
 * The simulation panel's controls (npm start only): pick a persona, put its card on the simulated
 * reader or take it off, run the phone step for it, set the demo clock. The UI server serves them
 * to the panel page; `attach` connects them to the running kiosk.
 */
export class SimulationPanel implements SimulationControls<SimulationPanelState> {
  private persona: string;
  private kiosk: AttachedKiosk | undefined;
  private kioskScreen: string | null = null;
  private busy: string | null = null;
  private lastOutcome: SimulationOutcome | null = null;
  private readonly listeners = new Set<(state: SimulationPanelState) => void>();

  constructor(private readonly options: SimulationPanelOptions) {
    this.persona = options.initialPersona ?? 'sign-pin-blocked';
    options.clock.onChange(() => this.changed());
  }

  /** Connects the panel to the running kiosk: a hand-moved reader, clock syncs, the screen shown. Returns the detach function. */
  attach(kiosk: HandReaderKiosk & { actor: Actor<SessionMachine> }): () => void {
    const { actor } = kiosk;
    const reader = new SimulatedCardReader(kiosk);
    this.kiosk = { actor, reader };
    // The machine's service-window timers follow its own idea of now: tell it at once when the demo clock jumps.
    const stopClock = this.options.clock.onChange((now) => actor.send({ type: 'clock.sync', now }));
    const subscription = actor.subscribe((snapshot) => {
      const screen = toViewModel(snapshot).screen;
      if (screen === this.kioskScreen) return;
      this.kioskScreen = screen;
      this.changed();
    });
    this.kioskScreen = toViewModel(actor.getSnapshot()).screen;
    this.changed();
    return () => {
      stopClock();
      subscription.unsubscribe();
      reader.detach();
      this.kiosk = undefined;
    };
  }

  state(): SimulationPanelState {
    const { clock, cards } = this.options;
    const nowMs = clock.now();
    return {
      personas: DEMO_PERSONAS.map(({ name, description }) => ({
        name,
        description,
        issued: cards.isIssued(name),
      })),
      persona: this.persona,
      cardOnReader: this.kiosk?.reader.card ?? null,
      demoPins: { auth: DEMO_PINS.auth, sign: DEMO_PINS.sign },
      clock: {
        nowMs,
        offsetMs: clock.offset,
        realTime: clock.isRealTime,
        japanTime: formatJapanDateTime(nowMs),
      },
      kioskScreen: this.kioskScreen,
      busy: this.busy,
      lastOutcome: this.lastOutcome,
    };
  }

  subscribe(listener: (state: SimulationPanelState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async perform(action: SimulationAction): Promise<SimulationOutcome> {
    let outcome: SimulationOutcome;
    try {
      outcome = { ok: true, message: await this.run(action) };
    } catch (error) {
      // Messages of the reader, the card issuer and the phone step carry no PIN or token.
      outcome = { ok: false, message: error instanceof Error ? error.message : String(error) };
    } finally {
      this.busy = null;
    }
    this.lastOutcome = outcome;
    this.changed();
    return outcome;
  }

  private async run(action: SimulationAction): Promise<string> {
    const { cards, clock } = this.options;
    switch (action.type) {
      case 'persona.select': {
        if (!DEMO_PERSONAS.some((p) => p.name === action.persona))
          throw new Error(`unknown persona ${action.persona}`);
        this.persona = action.persona;
        await this.withBusy('issuing the card', () => cards.ensure(action.persona));
        return `holding the ${action.persona} card`;
      }
      case 'card.insert': {
        const kiosk = this.attached();
        const path = await this.withBusy('issuing the card', () => cards.ensure(this.persona));
        kiosk.reader.insert(path, this.persona);
        return `${this.persona} card placed on the reader`;
      }
      case 'card.remove': {
        const kiosk = this.attached();
        const persona = kiosk.reader.card;
        kiosk.reader.remove();
        return `${persona ?? 'the'} card taken off the reader`;
      }
      case 'card.renew': {
        this.refuseWhileOnReader('issuing a fresh card');
        await this.withBusy('issuing a fresh card', () => cards.renew(this.persona));
        return `fresh ${this.persona} card issued (demo PINs, every try left as the persona says)`;
      }
      case 'phone.reserve': {
        this.refuseWhileOnReader('the phone step');
        const path = await this.withBusy('issuing the card', () => cards.ensure(this.persona));
        return await this.withBusy('phone step', () => this.options.phoneStep(path, action.procedure));
      }
      case 'clock.set': {
        const minute = parseTimeOfDay(action.japanTime);
        if (minute === undefined) throw new Error(`not a time of day: ${action.japanTime}`);
        // Forward to the next such time (docs/demo.md): "set to" names the day it landed on.
        return `demo clock set to ${formatJapanDateTime(clock.setJapanTimeOfDay(minute))}`;
      }
      case 'clock.age-reservations': {
        // Forward only, like every move of the demo clock: the reservation is not back-dated, time
        // passes for everything the demo holds (docs/decisions.md, "Showing an expired reservation").
        let now = clock.advance(RESERVATION_LIFETIME_MS + 60_000);
        const opened = !maySessionStart(now, DEFAULT_SERVICE_WINDOW);
        if (opened) now = clock.advance(nextServiceWindowChange(now, DEFAULT_SERVICE_WINDOW) - now);
        return (
          `demo clock moved 24 h 1 min ahead${opened ? ', then to the opening' : ''}: ` +
          `${formatJapanDateTime(now)}; every reservation made before has expired`
        );
      }
      case 'clock.real':
        return `demo clock on real time (${formatJapanDateTime(clock.useRealTime())})`;
    }
  }

  private attached(): AttachedKiosk {
    if (!this.kiosk) throw new SimulatedReaderError('the kiosk is not running yet');
    return this.kiosk;
  }

  /** The phone (and the card issuer) need the card in hand, not on the kiosk's reader. */
  private refuseWhileOnReader(what: string): void {
    if (this.kiosk?.reader.card === this.persona) {
      throw new SimulatedReaderError(
        `take the ${this.persona} card off the reader first (${what} needs it in hand)`,
      );
    }
  }

  private async withBusy<T>(label: string, task: () => Promise<T>): Promise<T> {
    this.busy = label;
    this.changed();
    return task();
  }

  private changed(): void {
    const state = this.state();
    for (const listener of this.listeners) listener(state);
  }
}
