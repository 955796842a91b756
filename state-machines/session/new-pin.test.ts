import { describe, expect, it } from 'vitest';
import { toEnterNewPin } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

describe('entering the new PIN', () => {
  it('asks for it on the keyboard of the PIN being reset', async () => {
    const sign = new SessionHarness();
    await toEnterNewPin(sign, 'signature-pin');
    expect(sign.view.pin).toMatchObject({ slot: 'new', pin: 'sign', keyboard: 'alphanumeric', minLength: 6 });
    const auth = new SessionHarness();
    await toEnterNewPin(auth, 'auth-pin');
    expect(auth.view.pin).toMatchObject({ slot: 'new', pin: 'auth', keyboard: 'numeric', maxLength: 4 });
  });

  it('refuses a signature PIN shorter than 6 on the spot, keeping what was typed', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    await h.enter('AB12');
    expect(h.view).toMatchObject({
      screen: 'enter-new-pin',
      notice: { code: 'new-pin-format', displayCode: 'E-033' },
    });
    expect(h.pins.read('new')).toBe('AB12');
    expect(h.actors.callsOf('checkNewPin')).toEqual([]);
    await h.enter('34');
    expect(h.screen).toBe('confirm-new-pin');
    expect(h.view.notice).toBeUndefined();
  });

  it('asks the runtime for the character rule and refuses letters-only (cleared, asked again)', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    await h.enter('ABCDEF');
    expect(h.actors.callsOf('checkNewPin')[0]?.input).toEqual({ pin: 'sign', stage: 'new' });
    expect(h.view).toMatchObject({
      screen: 'enter-new-pin',
      notice: { code: 'new-pin-format' },
      pin: { length: 0 },
    });
    expect(h.pins.read('new')).toBe('');
  });

  it('accepts lowercase typing as uppercase, and the confirmation typed in lowercase matches', async () => {
    const h = new SessionHarness();
    h.actors.setDefault('claimReservation', undefined);
    await toEnterNewPin(h);
    await h.enter('abc123');
    expect(h.pins.read('new')).toBe('ABC123');
    await h.enter('abc123');
    expect(h.screen).toBe('resetting');
  });

  it('starts over when the confirmation differs, telling why', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    await h.enter('ABC123');
    await h.enter('ABC124');
    expect(h.actors.callsOf('checkNewPin').map((call) => call.input.stage)).toEqual(['new', 'confirm']);
    expect(h.view).toMatchObject({
      screen: 'enter-new-pin',
      notice: { code: 'new-pins-differ', displayCode: 'E-034' },
    });
    expect(h.pins.read('new')).toBe('');
    expect(h.pins.read('confirm')).toBe('');
  });

  it('knows from lengths alone that a confirmation of another length differs', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    await h.enter('ABC123');
    await h.enter('ABC1234');
    expect(h.view.notice?.code).toBe('new-pins-differ');
    expect(h.actors.callsOf('checkNewPin').map((call) => call.input.stage)).toEqual(['new']);
  });

  it('wipes the confirmation once it has matched, keeping the new PIN for the card', async () => {
    const h = new SessionHarness();
    h.actors.setDefault('claimReservation', undefined);
    await toEnterNewPin(h);
    await h.enter('ABC123');
    await h.enter('ABC123');
    expect(h.pins.read('confirm')).toBe('');
    expect(h.pins.read('new')).toBe('ABC123');
    expect(h.snapshot.context.pinLengths).toEqual({ current: 0, new: 6, confirm: 0 });
  });

  it('ends the session safely if the runtime cannot check the PIN', async () => {
    const h = new SessionHarness();
    h.actors.reply('checkNewPin', { error: new Error('bug') });
    await toEnterNewPin(h);
    await h.enter('ABC123');
    expect(h.view.error?.code).toBe('reset-refused');
    expect(h.pins.empty).toBe(true);
  });

  it('takes exactly 4 digits for a new authentication PIN', async () => {
    const h = new SessionHarness();
    h.actors.setDefault('claimReservation', undefined);
    await toEnterNewPin(h, 'auth-pin');
    await h.enter('12a3x4');
    expect(h.pins.read('new')).toBe('1234');
    await h.enter('1234');
    expect(h.screen).toBe('resetting');
  });
});
