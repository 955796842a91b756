import { describe, expect, it } from 'vitest';
import { MIN_WARNING_LEAD_MS, sessionTiming, SessionTimingError } from './session-context';
import { myNumberCard } from './testing/fixtures';
import { NEW_PIN, toEnterCurrentPin, toEnterNewPin } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

const TIMING = { inactivityWarningMs: 60_000, inactivityLimitMs: 90_000 };

function kiosk(offeredProcedures: Array<'signature-pin' | 'auth-pin'> = ['signature-pin', 'auth-pin']) {
  return new SessionHarness({ input: { timing: TIMING, offeredProcedures } });
}

describe('cancel asks first', () => {
  it('やめる opens "stop here?"; "go on" closes it with the typed PIN kept', async () => {
    const h = kiosk();
    await toEnterCurrentPin(h);
    await h.type('12');
    await h.send({ type: 'session.cancel' });
    expect(h.view).toMatchObject({
      screen: 'enter-current-pin',
      dialog: 'confirm-cancel',
      pin: { length: 2 },
    });
    expect(h.emittedOf('session.ended')).toEqual([]);
    await h.send({ type: 'dialog.close' });
    expect(h.view.dialog).toBeUndefined();
    expect(h.view.pin?.length).toBe(2);
    expect(h.pins.read('current')).toBe('12');
  });

  it('"yes, stop" ends the session as cancelled and wipes the buffers', async () => {
    const h = kiosk();
    await toEnterNewPin(h);
    await h.type('AB1');
    await h.send({ type: 'session.cancel' });
    await h.send({ type: 'cancel.confirm' });
    expect(h.screen).toBe('take-card');
    expect(h.pins.empty).toBe(true);
    expect(h.emittedOf('session.ended')[0]).toMatchObject({ outcome: 'cancelled' });
  });

  it('"yes, stop" means nothing without the question', async () => {
    const h = kiosk();
    await toEnterCurrentPin(h);
    await h.send({ type: 'cancel.confirm' });
    expect(h.view).toMatchObject({ screen: 'enter-current-pin' });
    expect(h.view.dialog).toBeUndefined();
  });

  it('busy screens ignore やめる (the card must stay still)', async () => {
    const h = kiosk();
    h.actors.setDefault('readCard', undefined);
    await toEnterCurrentPin(h);
    expect(h.screen).toBe('reading');
    await h.cancelSession();
    expect(h.screen).toBe('reading');
    expect(h.view.dialog).toBeUndefined();
    h.actors.complete('readCard', { output: myNumberCard() });
    await h.settle();
    expect(h.screen).toBe('enter-current-pin');
  });

  it('the question is under the inactivity rules too', async () => {
    const h = kiosk();
    await h.startSession();
    await h.send({ type: 'session.cancel' });
    await h.advance(TIMING.inactivityWarningMs);
    expect(h.view).toMatchObject({ dialog: 'confirm-cancel', inactivityWarning: true });
    await h.advance(TIMING.inactivityLimitMs - TIMING.inactivityWarningMs);
    expect(h.view.error?.code).toBe('session-timeout');
  });
});

describe('back', () => {
  it('consent → choice → "stop here?" on the first screen', async () => {
    const h = kiosk();
    await h.send({ type: 'session.start' });
    await h.send({ type: 'procedure.select', procedure: 'auth-pin' });
    expect(h.view).toMatchObject({ screen: 'consent', canGoBack: true, canCancel: true });
    await h.send({ type: 'session.back' });
    expect(h.screen).toBe('choose-procedure');
    await h.send({ type: 'procedure.select', procedure: 'signature-pin' });
    expect(h.view.procedure).toBe('signature-pin');
    await h.send({ type: 'session.back' });
    await h.send({ type: 'session.back' });
    expect(h.view).toMatchObject({ screen: 'choose-procedure', dialog: 'confirm-cancel' });
  });

  it('with one procedure offered, consent is the first screen: no back, and a stray one stays there', async () => {
    const h = kiosk(['signature-pin']);
    await h.send({ type: 'session.start' });
    expect(h.view).toMatchObject({ screen: 'consent', canCancel: true });
    expect(h.view.canGoBack).toBeUndefined();
    await h.send({ type: 'session.back' });
    expect(h.view).toMatchObject({ screen: 'consent', procedure: 'signature-pin' });
  });

  it('place-card → consent', async () => {
    const h = kiosk();
    await h.startSession();
    await h.send({ type: 'session.back' });
    expect(h.screen).toBe('consent');
  });

  it('is not offered on the PIN screens', async () => {
    const h = kiosk();
    await toEnterCurrentPin(h);
    expect(h.view.canGoBack).toBeUndefined();
    await h.send({ type: 'session.back' });
    expect(h.screen).toBe('enter-current-pin');
  });
});

describe('help', () => {
  it('per step: what it is, what is needed (per procedure), the call centre and its hours', async () => {
    const h = kiosk();
    await toEnterCurrentPin(h, 'auth-pin');
    await h.send({ type: 'help.open' });
    expect(h.view).toMatchObject({
      screen: 'enter-current-pin',
      dialog: 'help',
      help: {
        whatLabel: 'help.whatLabel',
        what: 'help.enter-current-pin.what',
        need: 'help.enter-current-pin.need.auth-pin',
        callCentre: { phone: '0120-95-0178', opensAt: '09:30', closesAt: '20:00' },
      },
    });
    await h.send({ type: 'dialog.close' });
    expect(h.view.dialog).toBeUndefined();
  });

  it('takes the call centre from the kiosk configuration', async () => {
    const h = new SessionHarness({
      input: { support: { phone: '0120-00-0000', opensAtMinute: 9 * 60, closesAtMinute: 17 * 60 + 30 } },
    });
    await h.send({ type: 'session.start' });
    await h.send({ type: 'help.open' });
    expect(h.view.help).toMatchObject({
      what: 'help.choose-procedure.what',
      need: 'help.choose-procedure.need',
      callCentre: { phone: '0120-00-0000', opensAt: '09:00', closesAt: '17:30' },
    });
  });

  it('is there on the error screen too', async () => {
    const h = kiosk();
    h.actors.reply('lookupReservation', { output: { result: 'refused', reason: 'no-reservation' } });
    await toEnterNewPin(h);
    await h.send({ type: 'help.open' });
    expect(h.view).toMatchObject({ screen: 'error', dialog: 'help', help: { what: 'help.error.what' } });
  });
});

describe('the result screens wait for the customer', () => {
  it('the error screen stays until the warning and the limit, then the session ends', async () => {
    const h = kiosk();
    h.actors.reply('lookupReservation', { output: { result: 'refused', reason: 'reservation-used' } });
    await toEnterNewPin(h);
    expect(h.view.error?.code).toBe('reservation-used');
    await h.advance(TIMING.inactivityWarningMs - 1);
    expect(h.view).toMatchObject({ screen: 'error' });
    expect(h.view.inactivityWarning).toBeUndefined();
    await h.advance(1);
    expect(h.view).toMatchObject({ screen: 'error', inactivityWarning: true, inactivitySecondsLeft: 30 });
    await h.send({ type: 'session.extend' });
    await h.advance(TIMING.inactivityLimitMs - 1);
    expect(h.view.error?.code).toBe('reservation-used');
    await h.advance(1);
    expect(h.screen).toBe('take-card');
    expect(h.emittedOf('session.ended')).toHaveLength(1);
  });

  it('"finish" ends at once', async () => {
    const h = kiosk();
    h.actors.reply('lookupReservation', { output: { result: 'refused', reason: 'reservation-used' } });
    await toEnterNewPin(h);
    await h.send({ type: 'session.continue' });
    expect(h.screen).toBe('take-card');
  });
});

describe('time to act (WCAG 2.2.1)', () => {
  it('the default warning comes at least 20 s before the end', () => {
    const h = new SessionHarness();
    const { inactivityLimitMs, inactivityWarningMs } = h.snapshot.context.timing;
    expect(inactivityLimitMs - inactivityWarningMs).toBeGreaterThanOrEqual(MIN_WARNING_LEAD_MS);
  });

  it('refuses a timing whose warning comes less than 20 s before the end', () => {
    expect(() => sessionTiming({ inactivityWarningMs: 60_000, inactivityLimitMs: 79_999 })).toThrow(
      SessionTimingError,
    );
    expect(sessionTiming({ inactivityWarningMs: 60_000, inactivityLimitMs: 80_000 }).inactivityLimitMs).toBe(
      80_000,
    );
  });

  it('one action extends, more than ten times, and an open help stays open', async () => {
    const h = kiosk();
    await toEnterCurrentPin(h);
    await h.type('1');
    await h.send({ type: 'help.open' });
    for (let extension = 0; extension < 12; extension += 1) {
      await h.advance(TIMING.inactivityWarningMs);
      expect(h.view.inactivityWarning).toBe(true);
      await h.send({ type: 'session.extend' });
      expect(h.view).toMatchObject({ screen: 'enter-current-pin', dialog: 'help', pin: { length: 1 } });
      expect(h.view.inactivityWarning).toBeUndefined();
    }
    await h.advance(TIMING.inactivityLimitMs);
    expect(h.view.error?.code).toBe('session-timeout');
  });

  it('busy screens never time out on the customer', async () => {
    const h = kiosk();
    h.actors.setDefault('verifyCurrentPin', undefined);
    await toEnterCurrentPin(h);
    await h.enter('1234');
    expect(h.screen).toBe('verifying');
    await h.advance(TIMING.inactivityLimitMs * 10);
    expect(h.screen).toBe('verifying');
    expect(h.view.inactivityWarning).toBeUndefined();
  });
});

describe('language and display mode last until the card is taken', () => {
  it('the take-card screen after a cancel stays in English, large; Japanese and standard once taken', async () => {
    const h = kiosk();
    await h.send({ type: 'language.select', language: 'en' });
    await h.send({ type: 'session.start' });
    await h.send({ type: 'display.select', mode: 'large' });
    await h.send({ type: 'procedure.select', procedure: 'signature-pin' });
    expect(h.view).toMatchObject({ screen: 'consent', display: 'large', language: 'en' });
    await h.send({ type: 'consent.accept' });
    await h.insertCard();
    await h.cancelSession();
    expect(h.view).toMatchObject({ screen: 'take-card', language: 'en', display: 'large' });
    await h.removeCard();
    expect(h.view).toMatchObject({ screen: 'idle', language: 'ja' });
    expect(h.view.display).toBeUndefined();
  });

  it('after done and after an error too', async () => {
    for (const outcome of ['done', 'error'] as const) {
      const h = kiosk();
      if (outcome === 'error')
        h.actors.reply('lookupReservation', { output: { result: 'refused', reason: 'no-reservation' } });
      await h.send({ type: 'language.select', language: 'en' });
      await toEnterNewPin(h);
      if (outcome === 'done') {
        await h.enter(NEW_PIN['signature-pin']);
        await h.enter(NEW_PIN['signature-pin']);
      }
      expect(h.screen).toBe(outcome);
      await h.send({ type: 'session.continue' });
      expect(h.view).toMatchObject({ screen: 'take-card', language: 'en' });
    }
  });

  it('large text chosen on the idle screen goes back with the language when nobody starts', async () => {
    const h = kiosk();
    await h.send({ type: 'display.select', mode: 'large' });
    expect(h.view.display).toBe('large');
    await h.advance(TIMING.inactivityLimitMs);
    expect(h.view.display).toBeUndefined();
  });
});

describe('the last try', () => {
  it('is flagged on the PIN view, with the wrong-PIN notice', async () => {
    const h = kiosk();
    h.actors.reply('verifyCurrentPin', { output: { result: 'wrong-pin', triesLeft: 1 } });
    await toEnterCurrentPin(h);
    await h.enter('1111');
    expect(h.view).toMatchObject({
      pin: { triesLeft: 1, lastTry: true },
      notice: { code: 'wrong-pin', params: { triesLeft: 1 } },
    });
  });
});
