import { afterEach, describe, expect, it, vi } from 'vitest';
import { CardError } from '../card-error';
import type { SmartCard } from '../virtual-card/smart-card';
import { InProcessTransport } from './in-process-transport';

/** A card that echoes the command back with 90 00; records copies (`seen`) and the buffers it was given. */
function echoCard() {
  const seen: Uint8Array[] = [];
  const given: Uint8Array[] = [];
  const power: string[] = [];
  const card: SmartCard = {
    atr: Uint8Array.from([0x3b, 0x00]),
    powerOn: () => power.push('on'),
    powerOff: () => power.push('off'),
    reset: () => power.push('reset'),
    process: (command) => {
      seen.push(Uint8Array.from(command));
      given.push(command);
      return Uint8Array.from([...command, 0x90, 0x00]);
    },
  };
  return { card, seen, given, power };
}

async function kindOf(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CardError);
  return (error as CardError).kind;
}

describe('InProcessTransport', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('powers the card on and passes commands and answers through', async () => {
    const { card, power } = echoCard();
    const transport = new InProcessTransport(card);
    expect(power).toEqual(['on']);
    expect(Array.from(await transport.transmit(Uint8Array.from([1, 2])))).toEqual([1, 2, 0x90, 0x00]);
    expect(transport.atr).toBe(card.atr);
  });

  it('removal rejects pending and later transmits with card-removed and powers the card off', async () => {
    const { card, power } = echoCard();
    const transport = new InProcessTransport(card);
    transport.mute();
    const pending = kindOf(transport.transmit(Uint8Array.from([1])));
    transport.remove();
    expect(await pending).toBe('card-removed');
    expect(await kindOf(transport.transmit(Uint8Array.from([1])))).toBe('card-removed');
    expect(power).toEqual(['on', 'off']);
    transport.insert();
    transport.unmute();
    expect((await transport.transmit(Uint8Array.from([7])))[0]).toBe(7);
  });

  it('a mute card times out at the deadline; unmuting answers what still waits', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { card, seen } = echoCard();
    const transport = new InProcessTransport(card, { defaultTimeoutMs: 1000 });
    transport.mute();
    const early = kindOf(transport.transmit(Uint8Array.from([1])));
    const late = transport.transmit(Uint8Array.from([2]), { timeoutMs: 5000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(await early).toBe('timeout');
    transport.unmute();
    expect((await late)[0]).toBe(2);
    expect(seen.map((command) => command[0])).toEqual([2]);
  });

  it('an abort rejects with aborted and the card never sees the command', async () => {
    const { card, seen } = echoCard();
    const transport = new InProcessTransport(card);
    const controller = new AbortController();
    const pending = kindOf(transport.transmit(Uint8Array.from([1]), { signal: controller.signal }));
    controller.abort();
    expect(await pending).toBe('aborted');
    expect(await kindOf(transport.transmit(Uint8Array.from([1]), { signal: controller.signal }))).toBe(
      'aborted',
    );
    await Promise.resolve();
    expect(seen).toHaveLength(0);
  });

  it('wipes its own copy of a command once answered', async () => {
    const { card, seen, given } = echoCard();
    const transport = new InProcessTransport(card);
    await transport.transmit(Uint8Array.from([0x31, 0x32]));
    expect(Array.from(seen[0]!)).toEqual([0x31, 0x32]);
    expect(Array.from(given[0]!)).toEqual([0, 0]);
  });
});
