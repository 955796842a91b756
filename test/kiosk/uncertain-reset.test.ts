import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { CardError } from '../../hardware/card-error';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import type { CardTransport, TransmitOptions } from '../../hardware/transport/card-transport';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import { openKioskJournal } from '../../kiosk/journal/kiosk-journal';
import { journaledSettler, OutboxDeliverer } from '../../kiosk/journal/outbox-delivery';
import { PinBuffers } from '../../kiosk/runtime/pin-buffers';
import { createSessionActors } from '../../kiosk/runtime/session-actors';
import { createSessionMachine, toViewModel } from '../../state-machines/session';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { PROCEDURE_CASES } from './support/procedure-cases';
import { SessionDriver } from './support/session-driver';

/**
 * RESET RETRY COUNTER sent and unanswered during a live session (issue 12, part 5): the kiosk asks
 * the card in the same session — its counter, then VERIFY with the new PIN it still holds — and
 * completes when the reset took, releases when it certainly did not, and raises
 * `reset-outcome-uncertain` only when the card cannot be asked.
 */

const RESET_RETRY_COUNTER = 0x2c;
type Fault = 'answer-lost' | 'command-lost' | 'mute-after';

/** Loses the RESET RETRY COUNTER exchange one way or another (a transmit deadline firing). */
class LosingResetTransport implements CardTransport {
  private mute = false;
  constructor(
    private readonly inner: InProcessTransport,
    private readonly fault: Fault,
  ) {}
  get atr(): Uint8Array {
    return this.inner.atr;
  }
  async transmit(command: Uint8Array, options?: TransmitOptions): Promise<Uint8Array> {
    const timeout = () => new CardError('timeout', 'no answer within the deadline');
    if (this.mute) throw timeout();
    if (command[1] !== RESET_RETRY_COUNTER) return this.inner.transmit(command, options);
    if (this.fault !== 'command-lost') await this.inner.transmit(command, options);
    if (this.fault === 'mute-after') this.mute = true;
    throw timeout();
  }
}

const scenario = PROCEDURE_CASES[0]!; // signature PIN, blocked; prove the 4-digit PIN
let api: ApiHarness;
let dir: string;

beforeAll(async () => {
  api = await startApiHarness();
  dir = mkdtempSync(join(tmpdir(), 'uncertain-reset-'));
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function session(fault: Fault) {
  const cardPath = await api.issueCard(scenario.persona);
  const reservation = await api.reserve(cardPath, scenario.procedure, scenario.provenPin);
  const kiosk = await api.addKiosk('seven-eleven');
  const journal = openKioskJournal(join(dir, `${fault}.sqlite`), { now: api.clock.now });
  const deliverer = new OutboxDeliverer(journal.outbox, kiosk.client);
  const card = new JpkiClient(
    new LosingResetTransport(new InProcessTransport(VirtualCard.fromFile(cardPath)), fault),
  );
  const pins = new PinBuffers();
  const actors = createSessionActors({
    card: () => card,
    api: kiosk.client,
    pins,
    settler: journaledSettler(journal.claims, deliverer),
    journal: journal.claims,
    now: api.clock.now,
  });
  const actor = createActor(createSessionMachine({ actors, pinBuffers: pins }), {
    clock: new SimulatedClock(),
    input: { offeredProcedures: kiosk.procedures, now: api.clock.now() },
  });
  actor.start();
  actor.send({ type: 'reader.ready' });
  const driver = new SessionDriver(actor);
  driver.begin(scenario.procedure);
  actor.send({ type: 'card.inserted' });
  await driver.runReset(scenario.typedPin, scenario.newPin);
  const screen = await driver.reach();
  const error = toViewModel(actor.getSnapshot()).error?.code;
  // Let the settlement reach the machine's journal, then the API.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await deliverer.deliver();
  const status = (await api.phone.status(reservation.reservationId, reservation.reservationToken)).status;
  const uncertain = journal.claims.uncertainSince(0);
  const newPinWorks = await scenario.newPinWorks(api.openCard(cardPath));
  actor.stop();
  journal.close();
  return { screen, error, status, uncertain, newPinWorks };
}

describe('an unanswered RESET RETRY COUNTER in a live session', () => {
  it('that the card took: the new PIN verifies, the reservation completes, no alert', async () => {
    expect(await session('answer-lost')).toEqual({
      screen: 'done',
      error: undefined,
      status: 'completed',
      uncertain: 0,
      newPinWorks: true,
    });
  });

  it('that never reached the card: released as refused (nothing changed), no alert', async () => {
    expect(await session('command-lost')).toEqual({
      screen: 'error',
      error: 'reset-refused',
      status: 'active',
      uncertain: 0,
      newPinWorks: false,
    });
  });

  it('when the card cannot be asked: released and reset-outcome-uncertain raised', async () => {
    const outcome = await session('mute-after');
    expect(outcome).toMatchObject({ screen: 'error', status: 'active', uncertain: 1 });
    // The card did take it; the customer can verify or redo the reset with the same reservation.
    expect(outcome.newPinWorks).toBe(true);
  });
});
