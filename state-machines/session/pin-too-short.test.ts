import { describe, expect, it } from 'vitest';
import { toEnterCurrentPin, toEnterNewPin } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

/**
 * OK (決定) pressed before the entry is long enough: the key is never disabled, so the machine
 * answers with a notice that says which PIN and how long it is, keeps what was typed, and uses
 * no try.
 */
describe('OK before the PIN is long enough', () => {
  it('on the current-PIN screen says the 4-digit PIN needs all 4 digits, keeps the 3 typed, uses no try', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.enter('123');
    expect(h.screen).toBe('enter-current-pin');
    expect(h.view.notice).toEqual({
      code: 'pin-too-short',
      displayCode: 'E-035',
      nextStep: 'enter-pin-again',
      params: { pin: 'auth', min: 4, max: 4 },
      texts: {
        title: 'error.pin-too-short.title',
        explanation: 'error.pin-too-short.explanation.auth',
        next: 'error.pin-too-short.next',
      },
      occurrence: 1,
    });
    expect(h.pins.read('current')).toBe('123');
    expect(h.view.pin).toMatchObject({ length: 3, triesLeft: 3, canSubmit: false });
    expect(h.actors.callsOf('verifyCurrentPin')).toEqual([]);
    // The fourth digit and OK: verified, the notice gone.
    await h.enter('4');
    expect(h.actors.callsOf('verifyCurrentPin')).toHaveLength(1);
    expect(h.screen).toBe('enter-new-pin');
    expect(h.view.notice).toBeUndefined();
  });

  it('names the signature PIN, 6–16 letters and digits, when that is the PIN being proven', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h, 'auth-pin');
    await h.enter('ABC12');
    expect(h.view.notice).toMatchObject({
      code: 'pin-too-short',
      params: { pin: 'sign', min: 6, max: 16 },
      texts: { explanation: 'error.pin-too-short.explanation.sign' },
    });
    expect(h.pins.read('current')).toBe('ABC12');
    expect(h.actors.callsOf('verifyCurrentPin')).toEqual([]);
  });

  it('answers OK with nothing typed too', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.submit();
    expect(h.view.notice?.code).toBe('pin-too-short');
    expect(h.view.pin?.length).toBe(0);
  });

  it('answers every press: the same notice again is a new occurrence (shown and said again)', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.enter('12');
    const first = JSON.stringify(h.view);
    await h.submit();
    expect(h.view.notice).toMatchObject({ code: 'pin-too-short', occurrence: 2 });
    expect(JSON.stringify(h.view)).not.toBe(first);
  });

  it('replaces a wrong-PIN notice, and the tries left stay as the card said', async () => {
    const h = new SessionHarness();
    h.actors.reply('verifyCurrentPin', { output: { result: 'wrong-pin', triesLeft: 2 } });
    await toEnterCurrentPin(h);
    await h.enter('9999');
    expect(h.view.notice).toMatchObject({ code: 'wrong-pin', params: { triesLeft: 2 } });
    await h.enter('1');
    expect(h.view.notice).toMatchObject({ code: 'pin-too-short', occurrence: 2 });
    expect(h.view.pin).toMatchObject({ length: 1, triesLeft: 2 });
    expect(h.actors.callsOf('verifyCurrentPin')).toHaveLength(1);
  });

  it('keeps the screen waiting: the press restarts the inactivity timers like any other tap', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    const { inactivityWarningMs } = h.snapshot.context.timing;
    await h.advance(inactivityWarningMs - 1_000);
    await h.submit();
    await h.advance(inactivityWarningMs - 1_000);
    expect(h.view.inactivityWarning).toBeUndefined();
    expect(h.screen).toBe('enter-current-pin');
  });

  it('on the new-PIN screen names the broken rule (too short), keeping what was typed', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h, 'auth-pin');
    await h.enter('12');
    expect(h.view.notice).toMatchObject({ code: 'new-pin-format', params: { problem: 'too-short', min: 4 } });
    expect(h.pins.read('new')).toBe('12');
  });

  it('on the confirm screen says "too short" and keeps both entries, rather than starting over', async () => {
    const h = new SessionHarness();
    h.actors.setDefault('claimReservation', undefined);
    await toEnterNewPin(h, 'auth-pin');
    await h.enter('5678');
    expect(h.screen).toBe('confirm-new-pin');
    await h.enter('567');
    expect(h.screen).toBe('confirm-new-pin');
    expect(h.view.notice).toMatchObject({
      code: 'pin-too-short',
      params: { pin: 'auth', min: 4, max: 4 },
      texts: { explanation: 'error.pin-too-short.explanation.auth' },
    });
    expect(h.pins.read('new')).toBe('5678');
    expect(h.pins.read('confirm')).toBe('567');
    expect(h.actors.callsOf('checkNewPin').map((call) => call.input.stage)).toEqual(['new']);
    await h.enter('8');
    expect(h.screen).toBe('resetting');
  });

  it('on the confirm screen of the signature PIN, below 6 characters only', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    await h.enter('ABC1234');
    await h.enter('ABC12');
    expect(h.view.notice).toMatchObject({ code: 'pin-too-short', params: { pin: 'sign', min: 6, max: 16 } });
    expect(h.pins.read('confirm')).toBe('ABC12');
  });

  it('is a notice, never the end of the session', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.enter('1');
    expect(h.snapshot.context.error).toBeNull();
    expect(h.emittedOf('session.ended')).toEqual([]);
  });
});
