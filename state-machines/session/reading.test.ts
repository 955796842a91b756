import { describe, expect, it } from 'vitest';
import { myNumberCard, NOT_A_MY_NUMBER_CARD } from './testing/fixtures';
import { toEnterCurrentPin } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

function kiosk() {
  return new SessionHarness({ replies: 'manual' });
}

describe('reading the card', () => {
  it('reads as soon as the card is placed, showing progress and "do not move the card"', async () => {
    const h = kiosk();
    await h.startSession();
    expect(h.screen).toBe('place-card');
    await h.insertCard();
    expect(h.view).toMatchObject({ screen: 'reading', doNotMoveCard: true, progress: 0.1 });
    expect(h.actors.callsOf('readCard')[0]?.input).toEqual({ procedure: 'signature-pin' });
  });

  it('reads at once when the card was already on the reader', async () => {
    const h = kiosk();
    await h.insertCard();
    await h.startSession();
    expect(h.screen).toBe('reading');
  });

  it('goes on to the current PIN with the tries left of the PIN to prove', async () => {
    const h = kiosk();
    await toEnterCurrentPin(h, 'auth-pin');
    h.actors.complete('readCard', { output: myNumberCard({ tries: { sign: 4 } }) });
    await h.settle();
    expect(h.view.pin).toMatchObject({ pin: 'sign', triesLeft: 4, lastTry: false });
  });

  it('refuses a card without the JPKI application', async () => {
    const h = kiosk();
    await toEnterCurrentPin(h);
    h.actors.complete('readCard', { output: NOT_A_MY_NUMBER_CARD });
    await h.settle();
    expect(h.view.error).toMatchObject({ code: 'not-my-number-card', displayCode: 'E-013' });
  });

  it('stops with "Code 21" when the authentication certificate has expired', async () => {
    const h = kiosk();
    await toEnterCurrentPin(h);
    h.actors.complete('readCard', { output: myNumberCard({ certificateDaysLeft: -1 }) });
    await h.settle();
    expect(h.view.error).toMatchObject({ code: 'auth-certificate-expired', displayCode: 'E-021' });
  });

  it.each([
    ['card-unreadable', 'card-unreadable'],
    ['card-removed', 'card-removed'],
    ['reader-unavailable', 'reader-unavailable'],
  ] as const)('maps a %s failure to %s', async (failure, code) => {
    const h = kiosk();
    await toEnterCurrentPin(h);
    h.actors.complete('readCard', { failure });
    await h.settle();
    expect(h.view.error?.code).toBe(code);
  });

  it('treats an untyped failure of the card as unreadable', async () => {
    const h = kiosk();
    await toEnterCurrentPin(h);
    h.actors.complete('readCard', { error: new Error('bug') });
    await h.settle();
    expect(h.view.error?.code).toBe('card-unreadable');
  });
});
