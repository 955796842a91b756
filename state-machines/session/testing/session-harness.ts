import { type Actor, createActor, SimulatedClock, type StateValue } from 'xstate';
import type { Procedure } from '../pin-rules';
import type { SessionInput } from '../session-context';
import type { SessionEmitted, SessionEvent } from '../session-events';
import { createSessionMachine, type SessionMachine } from '../session-machine';
import { toViewModel, type SessionViewModel } from '../view-model';
import { FakePinBuffers } from './fake-pin-buffers';
import { MORNING } from './fixtures';
import { checkNewPinFrom, happyReplies, ScriptedActors } from './scripted-actors';

export interface HarnessOptions {
  input?: Partial<SessionInput>;
  /**
   * `happy`: every actor answers as on the straight road; `manual`: only checkNewPin answers, and
   * the reservation check before the PIN (usable) — tests of it set their own answers.
   */
  replies?: 'happy' | 'manual';
  /** Send reader.ready after start (default true). */
  readerReady?: boolean;
}

/** Dotted path of a state value's active leaf, e.g. `customer.underway.withCard.reading`. */
export function leafPath(value: StateValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value)[0] ?? [];
  return key === undefined ? '' : [key, leafPath(child)].filter(Boolean).join('.');
}

/** Turns of the event loop: enough for scripted actors' promises to reach the machine. Not a timer. */
async function flushPromises(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * The session machine with a fake runtime: scripted actors, fake PIN buffers, a simulated clock
 * (time moves only with `advance`). For the machine's own tests and for the kiosk's.
 */
export class SessionHarness {
  readonly clock = new SimulatedClock();
  readonly pins = new FakePinBuffers();
  readonly actors = new ScriptedActors();
  readonly emitted: SessionEmitted[] = [];
  readonly actor: Actor<SessionMachine>;
  readonly input: SessionInput;

  constructor(options: HarnessOptions = {}) {
    this.input = { offeredProcedures: ['signature-pin', 'auth-pin'], now: MORNING, ...options.input };
    this.clock.set(this.input.now);
    if (options.replies === 'manual') {
      this.actors.setDefault('checkNewPin', checkNewPinFrom(this.pins));
      this.actors.setDefault('precheckReservation', { output: { result: 'usable' } });
    } else
      for (const [name, reply] of Object.entries(happyReplies(this.pins)))
        this.actors.setDefault(name as never, reply as never);
    const machine = createSessionMachine({ actors: this.actors.implementations(), pinBuffers: this.pins });
    this.actor = createActor(machine, { clock: this.clock, input: this.input });
    this.actor.on('*', (event) => this.emitted.push(event));
    this.actor.start();
    if (options.readerReady ?? true) this.actor.send({ type: 'reader.ready' });
  }

  get snapshot() {
    return this.actor.getSnapshot();
  }

  /** The kiosk region's active state, as a dotted path. */
  get kiosk(): string {
    return leafPath((this.snapshot.value as { kiosk: StateValue }).kiosk);
  }

  get hours(): string {
    return leafPath((this.snapshot.value as { hours: StateValue }).hours);
  }

  get view(): SessionViewModel {
    return toViewModel(this.snapshot);
  }

  get screen(): string {
    return this.view.screen;
  }

  /** Sends an event and lets any actor it starts answer. */
  async send(event: SessionEvent): Promise<void> {
    this.actor.send(event);
    await flushPromises();
  }

  /** Moves the simulated clock, firing due timers, and lets actors answer. */
  async advance(ms: number): Promise<void> {
    this.clock.increment(ms);
    await flushPromises();
  }

  async settle(): Promise<void> {
    await flushPromises();
  }

  /** Start → (choose) → consent: the place-card screen. */
  async startSession(procedure: Procedure = 'signature-pin'): Promise<void> {
    await this.send({ type: 'session.start' });
    if (this.screen === 'choose-procedure') await this.send({ type: 'procedure.select', procedure });
    await this.send({ type: 'consent.accept' });
  }

  async insertCard(): Promise<void> {
    await this.send({ type: 'card.inserted' });
  }

  async removeCard(): Promise<void> {
    await this.send({ type: 'card.removed' });
  }

  /** One `pin.key` per character. */
  async type(keys: string): Promise<void> {
    for (const key of keys) this.actor.send({ type: 'pin.key', key });
    await flushPromises();
  }

  /** やめる, then "yes, stop" in the dialog it opens. */
  async cancelSession(): Promise<void> {
    await this.send({ type: 'session.cancel' });
    await this.send({ type: 'cancel.confirm' });
  }

  async submit(): Promise<void> {
    await this.send({ type: 'pin.submit' });
  }

  /** Type and submit. */
  async enter(keys: string): Promise<void> {
    await this.type(keys);
    await this.submit();
  }

  /** Events of one emitted type. */
  emittedOf<Type extends SessionEmitted['type']>(type: Type): Array<Extract<SessionEmitted, { type: Type }>> {
    return this.emitted.filter(
      (event): event is Extract<SessionEmitted, { type: Type }> => event.type === type,
    );
  }

  stop(): void {
    this.actor.stop();
  }
}
