import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { SCREEN_IDS } from './screens';
import { DEFAULT_TIMING } from './session-context';
import { createSessionMachine } from './session-machine';
import { japanTime, myNumberCard } from './testing/fixtures';
import { toEnterCurrentPin, toEnterNewPin, toResetting } from './testing/flows';
import { SessionHarness } from './testing/session-harness';
import { type SessionViewModel, toViewModel } from './view-model';

describe('view model', () => {
  it('names the screen and its title key', async () => {
    const h = new SessionHarness();
    // The idle screen offers help to someone who does not know the machine yet.
    expect(h.view).toEqual({
      screen: 'idle',
      language: 'ja',
      title: { key: 'screen.idle.title' },
      canHelp: true,
    });
    await toEnterCurrentPin(h, 'auth-pin');
    expect(h.view.title).toEqual({ key: 'screen.enter-current-pin.title.auth-pin' });
    expect(SCREEN_IDS).toContain(h.view.screen);
  });

  it('gives the error screen its code, display code, next step and text keys', async () => {
    const h = new SessionHarness();
    h.actors.reply('lookupReservation', { output: { result: 'refused', reason: 'reservation-expired' } });
    await toEnterNewPin(h);
    expect(h.view).toEqual({
      screen: 'error',
      language: 'ja',
      title: { key: 'error.reservation-expired.title' },
      procedure: 'signature-pin',
      // The error screen waits for the customer: help is offered (not cancel or back).
      canHelp: true,
      error: {
        code: 'reservation-expired',
        displayCode: 'E-042',
        nextStep: 'reserve-in-app',
        params: {},
        texts: {
          title: 'error.reservation-expired.title',
          explanation: 'error.reservation-expired.explanation',
          next: 'error.reservation-expired.next',
        },
      },
    });
  });

  it('switches language for the session only, back to Japanese once the card is taken', async () => {
    const h = new SessionHarness();
    await h.send({ type: 'language.select', language: 'en' });
    expect(h.view.language).toBe('en');
    await h.send({ type: 'language.select', language: 'fr' });
    expect(h.view.language).toBe('en');
    await h.send({ type: 'session.start' });
    expect(h.view.language).toBe('en');
    await h.cancelSession();
    expect(h.view).toMatchObject({ screen: 'idle', language: 'ja' });
  });

  it('goes back to Japanese on the idle screen when nobody starts a session', async () => {
    const h = new SessionHarness();
    await h.send({ type: 'language.select', language: 'en' });
    await h.advance(DEFAULT_TIMING.inactivityLimitMs - 1_000);
    // Another tap restarts the wait.
    await h.send({ type: 'language.select', language: 'en' });
    await h.advance(DEFAULT_TIMING.inactivityLimitMs - 1_000);
    expect(h.view).toMatchObject({ screen: 'idle', language: 'en' });
    await h.advance(1_000);
    expect(h.view).toMatchObject({ screen: 'idle', language: 'ja' });
  });

  it('gives the seconds left with the inactivity warning', async () => {
    const h = new SessionHarness({
      input: { timing: { inactivityWarningMs: 40_000, inactivityLimitMs: 65_500 } },
    });
    await h.send({ type: 'session.start' });
    expect(h.view.inactivityWarning).toBeUndefined();
    await h.advance(40_000);
    expect(h.view).toMatchObject({ inactivityWarning: true, inactivitySecondsLeft: 26 });
  });

  it('gives the opening hours from the service window on the closed and outside-hours screens', () => {
    const serviceWindow = { opensAtMinute: 7 * 60 + 15, closesAtMinute: 21 * 60 + 45 };
    const h = new SessionHarness({ input: { now: japanTime('2025-06-02T22:00'), serviceWindow } });
    expect(h.view).toMatchObject({ screen: 'closed', opensAt: '07:15', closesAt: '21:45' });
  });

  it('offers the languages given in the input, the first being the default', () => {
    const h = new SessionHarness({ input: { languages: ['en', 'ja', 'zh'] } });
    expect(h.view.language).toBe('en');
  });

  it('offers help on the idle screen and the waiting screens, not on standby, busy or take-card screens', async () => {
    const h = new SessionHarness({ replies: 'manual' });
    const offered: Record<string, boolean> = {};
    const note = () => (offered[h.screen] = h.view.canHelp === true);
    note();
    await h.startSession();
    note();
    await h.insertCard();
    note();
    h.actors.complete('readCard', { output: myNumberCard() });
    await h.settle();
    note();
    await h.cancelSession();
    note();
    await h.removeCard();
    await h.send({ type: 'reader.unavailable' });
    note();
    expect(offered).toEqual({
      idle: true,
      'place-card': true,
      reading: false,
      'enter-current-pin': true,
      'take-card': false,
      'out-of-service': false,
    });
  });

  it('shows no progress or card warning on waiting screens', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    expect(h.view.progress).toBeUndefined();
    expect(h.view.doNotMoveCard).toBeUndefined();
  });

  it('never carries a PIN character, whatever is typed', async () => {
    const h = new SessionHarness({ input: { now: japanTime('2025-06-02T12:00') } });
    const views: SessionViewModel[] = [];
    h.actor.subscribe(() => views.push(JSON.parse(JSON.stringify(h.view)) as SessionViewModel));
    await toEnterCurrentPin(h);
    await h.enter('7391');
    await h.enter('qzxw8264');
    await h.enter('QZXW8264');
    await h.send({ type: 'session.continue' });
    const serialised = JSON.stringify(views);
    expect(views.length).toBeGreaterThan(20);
    for (const secret of ['7391', 'QZXW', 'qzxw', '8264', 'XW82']) expect(serialised).not.toContain(secret);
    expect(views.map((view) => view.screen)).toEqual(
      expect.arrayContaining(['enter-new-pin', 'done', 'take-card']),
    );
  });

  it('is the same for a session restored from its persisted snapshot', async () => {
    const h = new SessionHarness();
    await toResetting(h);
    const before = h.view;
    const machine = createSessionMachine({ actors: h.actors.implementations(), pinBuffers: h.pins });
    const restored = createActor(machine, { snapshot: h.actor.getPersistedSnapshot(), input: h.input });
    expect(toViewModel(restored.getSnapshot())).toEqual(before);
  });
});
