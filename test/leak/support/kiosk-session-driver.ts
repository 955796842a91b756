import { type Actor, type SnapshotFrom, waitFor } from 'xstate';
import { JPKI_ATR } from '../../../hardware/jpki/constants';
import type { CardSlot, ClosableTransport } from '../../../kiosk/runtime/card-slot';
import type { ReaderMachine } from '../../../state-machines/reader';
import { type Procedure, type SessionMachine, toViewModel } from '../../../state-machines/session';

/**
 * Drives one customer session through a running kiosk runtime's session machine, as the UI and the
 * reader would: taps (one `pin.key` event per character), the card placed on the driver's reader
 * (through the runtime's reader machine and card slot) when the machine asks for it and taken back
 * at the end. Used by the PIN-leak scan and by the benchmarks.
 */

/** The reader the driver plugs into the runtime (`plugDriverReader`). */
export const DRIVER_READER = 'Driver reader';
const ATR_HEX = Buffer.from(JPKI_ATR).toString('hex').toUpperCase();

export interface SessionPlan {
  procedure: Procedure;
  /** The PIN to prove (the other one), as typed. */
  provenPin: string;
  /** Typed (and refused by the card) before the right one, when given. */
  wrongPin?: string;
  newPin: string;
}

export interface SessionOutcome {
  /** `done`, or the customer error code the machine ended on. */
  result: string;
  /** The screens in the order they were seen. */
  screens: string[];
}

export interface KioskUnderTest {
  actor: Actor<SessionMachine>;
  reader: Actor<ReaderMachine>;
  slot: CardSlot;
}

/** Reports the driver's reader to the runtime (once, after start). */
export function plugDriverReader(kiosk: KioskUnderTest): void {
  kiosk.reader.send({ type: 'reader.added', reader: DRIVER_READER });
}

/** Screens on which the machine waits for the customer (or the card). */
const RESTING = ['idle', 'choose-procedure', 'consent', 'place-card', 'enter-current-pin', 'enter-new-pin'];
const RESTING_OR_END = [
  ...RESTING,
  'confirm-new-pin',
  'done',
  'take-card',
  'error',
  'out-of-service',
  'closed',
];

/** Puts a card on the driver's reader: the slot opens it with `openCard`. */
export function placeCard(kiosk: KioskUnderTest, openCard: () => ClosableTransport): void {
  kiosk.slot.useOpener(openCard);
  kiosk.reader.send({ type: 'card.inserted', reader: DRIVER_READER, atr: ATR_HEX });
}

/** Takes the card off the driver's reader. */
export function takeCard(kiosk: KioskUnderTest): void {
  kiosk.reader.send({ type: 'card.removed', reader: DRIVER_READER });
}

/** True while an invoked actor (card, API, PIN check) of the machine is still running. */
function busy(snapshot: SnapshotFrom<SessionMachine>): boolean {
  return Object.values(snapshot.children).some(
    (child) =>
      (child as { getSnapshot(): { status: string } } | undefined)?.getSnapshot().status === 'active',
  );
}

export class SessionDriveError extends Error {
  override readonly name = 'SessionDriveError';
}

/** How the card gets onto the reader and off it (e.g. a virtual card attached to vpcd and detached). */
export interface CardHandling {
  place(): void | Promise<void>;
  take(): void | Promise<void>;
}

/**
 * Runs `plan` on the kiosk; resolves when the kiosk is idle again. The card is either opened by
 * `card` on the driver's reader (called for each card session the slot opens), or placed and
 * taken by the given handling.
 */
export async function driveSession(
  kiosk: KioskUnderTest,
  card: (() => ClosableTransport) | CardHandling,
  plan: SessionPlan,
  timeoutMs = 20_000,
): Promise<SessionOutcome> {
  const { actor, slot } = kiosk;
  const handling: CardHandling =
    typeof card === 'function' ? { place: () => placeCard(kiosk, card), take: () => takeCard(kiosk) } : card;
  const screens: string[] = [];
  const screen = () => toViewModel(actor.getSnapshot()).screen;
  const seen = actor.subscribe((snapshot) => {
    const id = toViewModel(snapshot).screen;
    if (screens.at(-1) !== id) screens.push(id);
  });
  const settle = async (...expected: string[]) => {
    const snapshot = await waitFor(actor, (s) => !busy(s) && RESTING_OR_END.includes(toViewModel(s).screen), {
      timeout: timeoutMs,
    });
    const id = toViewModel(snapshot).screen;
    if (!expected.includes(id)) throw new SessionDriveError(`expected ${expected.join('|')}, got ${id}`);
    return id;
  };
  const type = (keys: string) => {
    for (const key of keys) actor.send({ type: 'pin.key', key });
    actor.send({ type: 'pin.submit' });
  };
  const errorCode = () => toViewModel(actor.getSnapshot()).error?.code ?? 'error';
  try {
    // Between sessions the kiosk may still be on its way back to idle (device or API health events).
    await waitFor(actor, (s) => toViewModel(s).screen === 'idle', { timeout: timeoutMs });
    actor.send({ type: 'session.start' });
    if (screen() === 'choose-procedure') actor.send({ type: 'procedure.select', procedure: plan.procedure });
    actor.send({ type: 'consent.accept' });
    await settle('place-card');
    await handling.place();
    // A real reader takes a moment to notice the card.
    await waitFor(actor, (s) => toViewModel(s).screen !== 'place-card', { timeout: timeoutMs });
    let result = 'done';
    const steps: Array<[string, string[]]> = [
      ...(plan.wrongPin === undefined
        ? []
        : ([[plan.wrongPin, ['enter-current-pin']]] as Array<[string, string[]]>)),
      [plan.provenPin, ['enter-new-pin']],
      [plan.newPin, ['confirm-new-pin']],
      [plan.newPin, ['done']],
    ];
    if ((await settle('enter-current-pin', 'error')) === 'error') result = errorCode();
    for (const [keys, next] of steps) {
      if (result !== 'done') break;
      type(keys);
      if ((await settle(...next, 'error')) === 'error') result = errorCode();
    }
    // Finish on the result screen, then take the card back.
    actor.send({ type: 'session.continue' });
    await settle('take-card', 'idle');
    await handling.take();
    await waitFor(actor, (s) => toViewModel(s).screen !== 'take-card', { timeout: timeoutMs });
    await settle('idle');
    if (typeof card === 'function') slot.useOpener(undefined);
    return { result, screens };
  } finally {
    seen.unsubscribe();
  }
}
