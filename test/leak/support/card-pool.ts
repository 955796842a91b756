import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openTestPki, type TestPki } from '../../../hardware/pki/test-pki';
import { saveCardFile } from '../../../hardware/virtual-card/card-file';
import type { Procedure } from '../../../reservation-api/contract';

/**
 * Virtual cards that are reset over and over: each card's PINs are tracked, and the next session's
 * plan alternates the procedure, so the PIN set by one session is the one the next proves.
 */

/** Monday 2026-11-23 10:00 JST: inside service hours whatever the machine's real clock says. */
export const BENCH_T0 = Date.parse('2026-11-23T10:00:00+09:00');

/** A clock starting at BENCH_T0 and running at real speed. */
export function benchClock(): () => number {
  const started = Date.now();
  return () => BENCH_T0 + (Date.now() - started);
}

export interface PooledCard {
  path: string;
  pins: { auth: string; sign: string };
  /** The procedure of the next session on this card. */
  next: Procedure;
}

export interface CardPlan {
  procedure: Procedure;
  provenPin: string;
  newPin: string;
}

/** Opens the test PKI in `dataDir` and issues `count` healthy cards with the given PINs. */
export async function issueCardPool(
  dataDir: string,
  count: number,
  now: () => number,
  pinsFor: (index: number) => { auth: string; sign: string },
): Promise<{ pki: TestPki; cards: PooledCard[] }> {
  const pki = await openTestPki({ dataDir, now });
  mkdirSync(join(dataDir, 'cards'), { recursive: true });
  // Key generation dominates; issuing a few at a time uses every core (RSA keygen runs in libuv's pool).
  const issueOne = async (i: number): Promise<PooledCard> => {
    const pins = pinsFor(i);
    const path = join(dataDir, 'cards', `card-${i}.json`);
    saveCardFile(path, await pki.issueCard({ persona: 'healthy', authPin: pins.auth, signPin: pins.sign }));
    return { path, pins: { ...pins }, next: i % 2 === 0 ? 'signature-pin' : 'auth-pin' };
  };
  const cards: PooledCard[] = [];
  for (let start = 0; start < count; start += 4) {
    const batch = Array.from({ length: Math.min(4, count - start) }, (_, k) => issueOne(start + k));
    cards.push(...(await Promise.all(batch)));
  }
  return { pki, cards };
}

/**
 * The next session's plan for `card` with a fresh PIN for the one being reset; call `commit` once
 * the reset is done so the card's PINs stay known.
 */
export function nextPlan(
  card: PooledCard,
  fresh: { auth: () => string; sign: () => string },
): CardPlan & { commit(): void } {
  const procedure = card.next;
  const resets = procedure === 'signature-pin' ? 'sign' : 'auth';
  const proves = resets === 'sign' ? 'auth' : 'sign';
  const newPin = fresh[resets]();
  return {
    procedure,
    provenPin: card.pins[proves],
    newPin,
    commit() {
      card.pins[resets] = newPin;
      card.next = procedure === 'signature-pin' ? 'auth-pin' : 'signature-pin';
    },
  };
}
