import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING } from './session-context';
import { toEnterCurrentPin } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

/**
 * Help on the idle screen, where a person who does not know the machine starts: what the service
 * is, what it needs, the hours, where to ask. Idle's own rules (the reset after inactivity, the
 * hours and devices that take it away) apply with the help open too.
 */
describe('help on the idle screen', () => {
  it('is offered (without cancel or back) and says what the service is, the hours and where to ask', async () => {
    const h = new SessionHarness();
    expect(h.view).toMatchObject({ screen: 'idle', canHelp: true });
    expect(h.view.canCancel).toBeUndefined();
    expect(h.view.canGoBack).toBeUndefined();
    await h.send({ type: 'help.open' });
    expect(h.view).toMatchObject({
      screen: 'idle',
      dialog: 'help',
      help: {
        // Above the service's description: its own label, not the steps' "on this screen".
        whatLabel: 'help.idle.whatLabel',
        what: 'help.idle.what',
        need: 'help.idle.need',
        hours: { opensAt: '06:30', closesAt: '23:00' },
        ask: 'help.idle.ask',
        callCentre: { phone: '0120-95-0178', opensAt: '09:30', closesAt: '20:00' },
      },
    });
    await h.send({ type: 'dialog.close' });
    expect(h.view.dialog).toBeUndefined();
    expect(h.view.help).toBeUndefined();
    expect(h.screen).toBe('idle');
  });

  it("gives the kiosk's own service hours, not built-in ones", async () => {
    const h = new SessionHarness({
      input: { serviceWindow: { opensAtMinute: 8 * 60, closesAtMinute: 21 * 60 + 45 } },
    });
    await h.send({ type: 'help.open' });
    expect(h.view.help?.hours).toEqual({ opensAt: '08:00', closesAt: '21:45' });
  });

  it('closes by itself when nobody touches the screen, with the language back to Japanese', async () => {
    const h = new SessionHarness();
    await h.send({ type: 'language.select', language: 'en' });
    await h.advance(DEFAULT_TIMING.inactivityLimitMs - 10_000);
    // Opening the help is a touch: the reset counts from it.
    await h.send({ type: 'help.open' });
    await h.advance(DEFAULT_TIMING.inactivityLimitMs - 1_000);
    expect(h.view).toMatchObject({ dialog: 'help', language: 'en' });
    await h.advance(1_000);
    expect(h.view).toMatchObject({ screen: 'idle', language: 'ja' });
    expect(h.view.dialog).toBeUndefined();
  });

  it('gives way to the out-of-service, maintenance and closed screens', async () => {
    const h = new SessionHarness();
    await h.send({ type: 'help.open' });
    await h.send({ type: 'reader.unavailable' });
    expect(h.view).toMatchObject({ screen: 'out-of-service' });
    expect(h.view.dialog).toBeUndefined();
    await h.send({ type: 'reader.ready' });
    await h.send({ type: 'help.open' });
    await h.send({ type: 'operator.maintenance' });
    expect(h.view.screen).toBe('maintenance');
    expect(h.view.canHelp).toBeUndefined();
  });

  it('leaves the start as it was: after closing it, a session starts', async () => {
    const h = new SessionHarness();
    await h.send({ type: 'help.open' });
    await h.send({ type: 'dialog.close' });
    await h.send({ type: 'session.start' });
    expect(h.screen).toBe('choose-procedure');
    expect(h.emittedOf('session.started')).toHaveLength(1);
  });

  it('is not offered on the take-card screen: the one thing to do there is take the card', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    await h.cancelSession();
    expect(h.screen).toBe('take-card');
    expect(h.view.canHelp).toBeUndefined();
    await h.send({ type: 'help.open' });
    expect(h.view.dialog).toBeUndefined();
  });
});
