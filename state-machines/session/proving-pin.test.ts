import { describe, expect, it } from 'vitest';
import { myNumberCard } from './testing/fixtures';
import { toEnterCurrentPin } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

describe('proving the current PIN', () => {
  it('shows the tries left after a wrong PIN and asks again with an empty entry', async () => {
    const h = new SessionHarness();
    h.actors.reply('verifyCurrentPin', { output: { result: 'wrong-pin', triesLeft: 2 } });
    await toEnterCurrentPin(h);
    await h.enter('9999');
    expect(h.view).toMatchObject({
      screen: 'enter-current-pin',
      pin: { length: 0, triesLeft: 2, lastTry: false },
      notice: { code: 'wrong-pin', displayCode: 'E-031', params: { triesLeft: 2 } },
    });
    expect(h.pins.read('current')).toBe('');
    await h.enter('1234');
    expect(h.screen).toBe('enter-new-pin');
  });

  it('warns on the last try', async () => {
    const h = new SessionHarness();
    h.actors.reply('verifyCurrentPin', { output: { result: 'wrong-pin', triesLeft: 1 } });
    await toEnterCurrentPin(h);
    await h.enter('9999');
    expect(h.view.pin).toMatchObject({ triesLeft: 1, lastTry: true });
  });

  it('warns on the last try from the start when the card has one left', async () => {
    const h = new SessionHarness();
    h.actors.reply('readCard', { output: myNumberCard({ tries: { auth: 1 } }) });
    await toEnterCurrentPin(h);
    expect(h.view.pin).toMatchObject({ triesLeft: 1, lastTry: true });
  });

  it('sends the customer to the other route when the wrong PIN used the last try and the other PIN works', async () => {
    const h = new SessionHarness();
    h.actors.reply('verifyCurrentPin', { output: { result: 'wrong-pin', triesLeft: 0 } });
    await toEnterCurrentPin(h);
    await h.enter('9999');
    expect(h.view.error).toMatchObject({
      code: 'pin-blocked',
      nextStep: 'reset-other-pin-first',
      params: { pin: 'auth', otherRouteOfferedHere: true },
    });
    expect(h.pins.empty).toBe(true);
  });

  it('says the other route is not offered at a signature-only store', async () => {
    const h = new SessionHarness({ input: { offeredProcedures: ['signature-pin'] } });
    h.actors.reply('verifyCurrentPin', { output: { result: 'blocked' } });
    await toEnterCurrentPin(h);
    await h.enter('1234');
    expect(h.view.error?.params).toEqual({ pin: 'auth', otherRouteOfferedHere: false });
  });

  it('sends the customer to the municipal office when both PINs are blocked (typical: signature PIN blocked)', async () => {
    const h = new SessionHarness();
    h.actors.reply('readCard', { output: myNumberCard({ tries: { auth: 0, sign: 0 } }) });
    await toEnterCurrentPin(h);
    expect(h.view.error).toMatchObject({ code: 'pin-blocked', nextStep: 'municipal-office' });
    expect(h.actors.callsOf('verifyCurrentPin')).toEqual([]);
  });

  it('does not ask for a PIN that is already blocked on the card', async () => {
    const h = new SessionHarness();
    h.actors.reply('readCard', { output: myNumberCard({ tries: { sign: 0 } }) });
    await toEnterCurrentPin(h, 'auth-pin');
    expect(h.view.error).toMatchObject({
      code: 'pin-blocked',
      nextStep: 'reset-other-pin-first',
      params: { pin: 'sign' },
    });
  });

  it('verifies the PIN the procedure proves', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h, 'auth-pin');
    await h.enter('abc123');
    expect(h.actors.callsOf('verifyCurrentPin')[0]?.input).toEqual({ pin: 'sign' });
  });

  it('maps a card failure during VERIFY to its error', async () => {
    const h = new SessionHarness();
    h.actors.reply('verifyCurrentPin', { failure: 'card-unreadable' });
    await toEnterCurrentPin(h);
    await h.enter('1234');
    expect(h.view.error).toMatchObject({ code: 'card-unreadable', nextStep: 'place-card-again' });
  });
});
