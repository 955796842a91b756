import { type Actor, waitFor } from 'xstate';
import { type Procedure, type SessionMachine, toViewModel } from '../../../state-machines/session';

/** Bounds every wait: a guard against hangs (generous: a card process starting on a loaded machine), not a speed check. */
const WAIT_MS = 60_000;

/** Screens where no actor works: the customer (or the card) acts next. */
export const RESTING_SCREENS = [
  'idle',
  'error',
  'done',
  'take-card',
  'place-card',
  'out-of-service',
  'closed',
];

/** Drives one session actor as the UI and the customer would. */
export class SessionDriver {
  constructor(readonly actor: Actor<SessionMachine>) {}

  get screen(): string {
    return toViewModel(this.actor.getSnapshot()).screen;
  }

  /** Waits (bounded) until the screen is one of `screens` or a resting one. */
  async reach(...screens: string[]): Promise<string> {
    await waitFor(
      this.actor,
      (snapshot) => [...screens, ...RESTING_SCREENS].includes(toViewModel(snapshot).screen),
      {
        timeout: WAIT_MS,
      },
    );
    return this.screen;
  }

  /** Waits (bounded) until the screen is exactly one of `screens`. */
  async only(...screens: string[]): Promise<void> {
    await waitFor(this.actor, (snapshot) => screens.includes(toViewModel(snapshot).screen), {
      timeout: WAIT_MS,
    });
  }

  /** Idle → (choose) → consent accepted: the kiosk asks for the card. */
  begin(procedure: Procedure): void {
    this.actor.send({ type: 'session.start' });
    if (this.screen === 'choose-procedure') this.actor.send({ type: 'procedure.select', procedure });
    this.actor.send({ type: 'consent.accept' });
  }

  /** Types `keys` on the PIN screen and submits. */
  enter(keys: string): void {
    for (const key of keys) this.actor.send({ type: 'pin.key', key });
    this.actor.send({ type: 'pin.submit' });
  }

  /**
   * From the current-PIN screen to the end of the reset: proves `provenPin`, enters and confirms
   * `newPin`. Stops early on any resting screen; returns the screen reached.
   */
  async runReset(provenPin: string, newPin: string): Promise<string> {
    // The card may still be on its way: wait past place-card.
    await this.only('enter-current-pin', 'error', 'take-card', 'idle', 'out-of-service', 'closed');
    if (this.screen !== 'enter-current-pin') return this.screen;
    this.enter(provenPin);
    if ((await this.reach('enter-new-pin')) !== 'enter-new-pin') return this.screen;
    this.enter(newPin);
    if ((await this.reach('confirm-new-pin')) !== 'confirm-new-pin') return this.screen;
    this.enter(newPin);
    return this.reach();
  }
}
