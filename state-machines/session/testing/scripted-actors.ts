import { fromPromise } from 'xstate';
import { PIN_RULES, type PinKind } from '../pin-rules';
import {
  type SessionActorContract,
  sessionActorFailure,
  type SessionActorImplementations,
  type SessionActorName,
  type SessionFailureKind,
} from '../session-actors';
import type { FakePinBuffers } from './fake-pin-buffers';
import { myNumberCard } from './fixtures';

type Input<Name extends SessionActorName> = SessionActorContract[Name]['input'];
type Output<Name extends SessionActorName> = SessionActorContract[Name]['output'];

/** How a scripted actor answers one invocation. */
export type Reply<Name extends SessionActorName> =
  | { output: Output<Name> }
  | { failure: SessionFailureKind }
  /** Rejects with something that is not a SessionActorFailure. */
  | { error: unknown }
  | ((input: Input<Name>) => Reply<Name>);

/** One invocation, as the test sees it. */
export interface ActorCall<Name extends SessionActorName = SessionActorName> {
  name: Name;
  input: Input<Name>;
  signal: AbortSignal;
  settled: boolean;
}

interface Pending {
  call: ActorCall;
  settle: (reply: Reply<SessionActorName>) => void;
}

/** The signature PIN mixes letters and digits (jpki-card.md); the runtime checks it, as this double does. */
function formatAccepted(pin: PinKind, value: string): boolean {
  const { minLength, maxLength } = PIN_RULES[pin];
  const lengthOk = value.length >= minLength && value.length <= maxLength;
  if (pin === 'auth') return lengthOk && /^[0-9]+$/.test(value);
  return lengthOk && /^[A-Z0-9]+$/.test(value) && /[A-Z]/.test(value) && /[0-9]/.test(value);
}

/** checkNewPin as the runtime does it, over the fake buffers. */
export function checkNewPinFrom(pins: FakePinBuffers): Reply<'checkNewPin'> {
  return (input) => {
    if (input.stage === 'new') {
      return { output: { verdict: formatAccepted(input.pin, pins.read('new')) ? 'accepted' : 'format' } };
    }
    return { output: { verdict: pins.read('new') === pins.read('confirm') ? 'accepted' : 'differ' } };
  };
}

/** Every actor answering as for the healthy persona with a reservation: the straight road. */
export function happyReplies(pins: FakePinBuffers): { [Name in SessionActorName]: Reply<Name> } {
  return {
    readCard: { output: myNumberCard() },
    precheckReservation: { output: { result: 'usable' } },
    verifyCurrentPin: { output: { result: 'verified' } },
    lookupReservation: (input) => ({
      output: {
        result: 'found',
        reservation: { id: 'rsv-1', procedure: input.procedure, expiresAt: Infinity },
      },
    }),
    checkNewPin: checkNewPinFrom(pins),
    claimReservation: { output: { result: 'claimed' } },
    authoriseReset: { output: { result: 'authorised' } },
    setNewPin: { output: { result: 'set' } },
    verifyNewPin: { output: { result: 'verified', certificate: null } },
    settleClaim: { output: { recorded: true } },
  };
}

/**
 * Actors whose answers the test scripts: a queue per actor (used first), then a default per
 * actor; with neither, the invocation stays pending until `complete`. Every call is recorded with
 * its input and AbortSignal, so a test can see that leaving a state cancelled the exchange.
 */
export class ScriptedActors {
  readonly calls: ActorCall[] = [];
  private readonly queues = new Map<SessionActorName, Array<Reply<SessionActorName>>>();
  private readonly defaults = new Map<SessionActorName, Reply<SessionActorName>>();
  private readonly pending: Pending[] = [];

  /** Answers for the next invocations of `name`, in order. */
  reply<Name extends SessionActorName>(name: Name, ...replies: Array<Reply<Name>>): this {
    const queue = this.queues.get(name) ?? [];
    queue.push(...(replies as Array<Reply<SessionActorName>>));
    this.queues.set(name, queue);
    return this;
  }

  /** The answer of `name` whenever its queue is empty; undefined makes it wait for `complete`. */
  setDefault<Name extends SessionActorName>(name: Name, reply: Reply<Name> | undefined): this {
    if (reply === undefined) this.defaults.delete(name);
    else this.defaults.set(name, reply as Reply<SessionActorName>);
    return this;
  }

  /** Settles the oldest pending invocation of `name`. */
  complete<Name extends SessionActorName>(name: Name, reply: Reply<Name>): void {
    // Invocations of states already left were stopped (their signal aborted): skip them.
    const index = this.pending.findIndex(
      (pending) => pending.call.name === name && !pending.call.settled && !pending.call.signal.aborted,
    );
    const pending = this.pending[index];
    if (!pending) throw new Error(`no pending ${name} invocation`);
    this.pending.splice(index, 1);
    pending.settle(reply as Reply<SessionActorName>);
  }

  /** The invocations of `name` so far. */
  callsOf<Name extends SessionActorName>(name: Name): Array<ActorCall<Name>> {
    return this.calls.filter((call): call is ActorCall<Name> => call.name === name);
  }

  /** True when an invocation of `name` waits for an answer. */
  isPending(name: SessionActorName): boolean {
    return this.pending.some((pending) => pending.call.name === name && !pending.call.signal.aborted);
  }

  /** The actor logic to provide. */
  implementations(): SessionActorImplementations {
    return {
      readCard: this.logic('readCard'),
      precheckReservation: this.logic('precheckReservation'),
      verifyCurrentPin: this.logic('verifyCurrentPin'),
      lookupReservation: this.logic('lookupReservation'),
      checkNewPin: this.logic('checkNewPin'),
      claimReservation: this.logic('claimReservation'),
      authoriseReset: this.logic('authoriseReset'),
      setNewPin: this.logic('setNewPin'),
      verifyNewPin: this.logic('verifyNewPin'),
      settleClaim: this.logic('settleClaim'),
    };
  }

  private logic<Name extends SessionActorName>(name: Name) {
    return fromPromise<Output<Name>, Input<Name>>(
      ({ input, signal }) =>
        new Promise<Output<Name>>((resolve, reject) => {
          const call: ActorCall<Name> = { name, input, signal, settled: false };
          this.calls.push(call as ActorCall);
          const settle = (reply: Reply<Name>): void => {
            call.settled = true;
            const resolved = typeof reply === 'function' ? reply(input) : reply;
            if (typeof resolved === 'function') return settle(resolved);
            if ('output' in resolved) resolve(resolved.output);
            else if ('failure' in resolved) reject(sessionActorFailure(resolved.failure, 'scripted'));
            else reject(resolved.error);
          };
          const reply = (this.queues.get(name)?.shift() ?? this.defaults.get(name)) as
            Reply<Name> | undefined;
          if (reply) settle(reply);
          else this.pending.push({ call: call as ActorCall, settle: settle as Pending['settle'] });
        }),
    );
  }
}
