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

  it('names the rule a letters-only PIN breaks, before asking the runtime, and keeps what was typed', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    await h.enter('ABCDEF');
    expect(h.actors.callsOf('checkNewPin')).toEqual([]);
    expect(h.view).toMatchObject({
      screen: 'enter-new-pin',
      notice: {
        code: 'new-pin-format',
        params: { problem: 'needs-digit' },
        texts: { explanation: 'error.new-pin-format.explanation.needs-digit' },
      },
      pin: { length: 6 },
    });
    await h.enter('1');
    expect(h.actors.callsOf('checkNewPin')[0]?.input).toEqual({ pin: 'sign', stage: 'new' });
    expect(h.screen).toBe('confirm-new-pin');
  });

  it('shows which rules the new signature PIN meets as it is typed', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    const rules = () => Object.fromEntries((h.view.pin?.rules ?? []).map((r) => [r.rule, r.met]));
    expect(rules()).toEqual({ 'min-length': false, letter: false, digit: false });
    await h.type('7');
    expect(rules()).toEqual({ 'min-length': false, letter: false, digit: true });
    await h.type('Q');
    expect(rules()).toEqual({ 'min-length': false, letter: true, digit: true });
    await h.send({ type: 'pin.backspace' });
    expect(rules()).toEqual({ 'min-length': false, letter: false, digit: true });
    await h.type('Q1234');
    expect(rules()).toEqual({ 'min-length': true, letter: true, digit: true });
    await h.send({ type: 'pin.clear' });
    expect(rules()).toEqual({ 'min-length': false, letter: false, digit: false });
  });

  it('says "too short" for a short new PIN, and "needs a letter" for digits only', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    await h.enter('12A');
    expect(h.view.notice).toMatchObject({ params: { problem: 'too-short', min: 6 } });
    expect(h.view.pin?.length).toBe(3);
    await h.send({ type: 'pin.clear' });
    await h.enter('123456');
    expect(h.view.notice?.texts.explanation).toBe('error.new-pin-format.explanation.needs-letter');
  });

  it('falls back to the mix rule when the runtime refuses a PIN the machine thought fine (cleared)', async () => {
    const h = new SessionHarness();
    h.actors.setDefault('checkNewPin', { output: { verdict: 'format' } });
    await toEnterNewPin(h);
    await h.enter('ABC123');
    expect(h.view).toMatchObject({
      screen: 'enter-new-pin',
      notice: { params: { problem: 'mix' } },
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

  it('starts over when the confirmation is a valid PIN of another length (the buffers differ)', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    await h.enter('ABC123');
    await h.enter('ABC1234');
    expect(h.view.notice?.code).toBe('new-pins-differ');
    expect(h.actors.callsOf('checkNewPin').map((call) => call.input.stage)).toEqual(['new', 'confirm']);
    expect(h.pins.read('new')).toBe('');
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
