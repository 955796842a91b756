import { describe, expect, it } from 'vitest';
import { PROVEN_PIN, toEnterCurrentPin, toEnterNewPin } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

describe('PIN entry', () => {
  it('hands each accepted key to the runtime and keeps only the length', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.type('12');
    expect(h.pins.read('current')).toBe('12');
    expect(h.snapshot.context.pinLengths).toEqual({ current: 2, new: 0, confirm: 0 });
    expect(h.view.pin).toMatchObject({
      slot: 'current',
      pin: 'auth',
      length: 2,
      keyboard: 'numeric',
      canSubmit: false,
    });
    expect(JSON.stringify(h.snapshot.context)).not.toContain('"12"');
  });

  it('refuses keys that are not on the numeric pad, and anything past 4 digits', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.type('1a!Z23456');
    expect(h.pins.read('current')).toBe('1234');
    expect(h.view.pin).toMatchObject({ length: 4, canSubmit: true });
  });

  it('uppercases letters typed for the signature PIN', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h, 'auth-pin');
    await h.type('abc123');
    expect(h.pins.read('current')).toBe('ABC123');
    expect(h.view.pin).toMatchObject({ pin: 'sign', keyboard: 'alphanumeric', minLength: 6, maxLength: 16 });
  });

  it('stops the signature PIN at 16 characters', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    await h.type('A1B2C3D4E5F6G7H8J9');
    expect(h.pins.read('new')).toBe('A1B2C3D4E5F6G7H8');
    expect(h.view.pin?.length).toBe(16);
  });

  it('erases the last character, and clears the whole entry', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.type('123');
    await h.send({ type: 'pin.backspace' });
    expect(h.pins.read('current')).toBe('12');
    expect(h.view.pin?.length).toBe(2);
    await h.send({ type: 'pin.clear' });
    expect(h.pins.read('current')).toBe('');
    expect(h.view.pin?.length).toBe(0);
    const before = h.pins.operations.length;
    await h.send({ type: 'pin.backspace' });
    expect(h.pins.operations.length).toBe(before);
  });

  it('does not verify before the PIN has its length: OK gets a notice instead (pin-too-short.test.ts)', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.enter('123');
    expect(h.screen).toBe('enter-current-pin');
    expect(h.view.notice?.code).toBe('pin-too-short');
    expect(h.actors.callsOf('verifyCurrentPin')).toEqual([]);
  });

  it('wipes the current PIN as soon as it has been proven', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    const mark = h.pins.operations.length;
    await h.enter(PROVEN_PIN['signature-pin']);
    expect(h.screen).toBe('enter-new-pin');
    expect(h.pins.wipedSince('current', mark)).toBe(true);
    expect(h.pins.read('current')).toBe('');
  });

  it('wipes every buffer when the customer cancels', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    await h.type('ABC');
    await h.cancelSession();
    expect(h.pins.empty).toBe(true);
    expect(h.pins.operations.at(-1)).toEqual({ op: 'wipe', slots: ['current', 'new', 'confirm'] });
    expect(h.emittedOf('session.ended')).toEqual([
      { type: 'session.ended', outcome: 'cancelled', procedure: 'signature-pin', error: null },
    ]);
  });
});
