import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixture, inLanguage } from '../../fixtures/view-models';
import { loadCatalogues } from '../../catalogues';
import type { ViewModel } from '../view-model';
import {
  CARD_REMINDER_INTERVAL_MS,
  type ShownText,
  type SpeechGuidance,
  createSpeechGuidance,
} from './guidance';
import type { SpeechPlayer, SpokenItem } from './player';

/**
 * The guidance's choices of what to say, with the audio output replaced by a recorder of what it
 * was asked to say (the page's real player is exercised by test/start/speech-and-languages.test.ts).
 */
const catalogues = loadCatalogues();
let said: Array<{ language: string; keys: string[]; texts: string[]; chimeFirst: boolean }>;
let volume: number;
let guidance: SpeechGuidance;

beforeEach(() => {
  vi.useFakeTimers();
  said = [];
  volume = 0;
  const recorder: SpeechPlayer = {
    say(language: string, items: SpokenItem[], options = {}) {
      said.push({
        language,
        keys: items.map((i) => i.key),
        texts: items.map((i) => i.text),
        chimeFirst: options.chimeFirst === true,
      });
    },
    volumeUp: () => void volume++,
    volumeDown: () => void volume--,
    resetVolume: () => void (volume = 0),
  };
  guidance = createSpeechGuidance(catalogues, recorder);
});

afterEach(() => {
  vi.useRealTimers();
});

/** What a renderer would report for a PIN screen: its title, the rule, the typed count, tries left. */
const pinScreenTexts = (vm: ViewModel): ShownText[] => [
  { key: vm.title.key },
  { key: 'pin.rule.numeric.fixed', params: { length: 4 } },
  { key: 'pin.typedCount', params: { count: vm.pin?.length ?? 0 } },
  { key: 'keyboard.submit' },
  { key: 'pin.triesLeft', params: { count: 3 } },
];
const withLength = (vm: ViewModel, length: number): ViewModel => ({
  ...vm,
  pin: vm.pin ? { ...vm.pin, length } : vm.pin,
});

describe('voice guidance', () => {
  it('says a new screen whole, without the labels of controls', () => {
    const vm = fixture('enter-current-pin-numeric');
    guidance.show(vm, pinScreenTexts(vm));
    expect(said).toHaveLength(1);
    expect(said[0]?.keys).toEqual([vm.title.key, 'pin.rule.numeric.fixed', 'pin.triesLeft']);
    expect(said[0]?.texts[1]).toBe('数字4桁');
  });

  it('announces each PIN key as one character entered, a delete as one deleted, never the character', () => {
    const vm = withLength(fixture('enter-current-pin-numeric'), 0);
    guidance.show(vm, pinScreenTexts(vm));
    for (const length of [1, 2])
      guidance.show(withLength(vm, length), pinScreenTexts(withLength(vm, length)));
    guidance.show(withLength(vm, 1), pinScreenTexts(withLength(vm, 1)));
    expect(said.slice(1).map((s) => s.texts)).toEqual([
      ['一文字入力しました'],
      ['一文字入力しました'],
      ['一文字消しました'],
    ]);
  });

  it('a key that ticks a new-PIN rule is still only "one character entered" (never what kind of key)', () => {
    const rules = (letter: boolean): ShownText[] => [
      { key: 'screen.enter-new-pin.title.signature-pin' },
      { key: 'pin.newRule.label' },
      { key: 'pin.newRule.min-length', params: { min: 6 } },
      { key: 'pin.newRule.unmet' },
      { key: 'pin.newRule.letter' },
      { key: letter ? 'pin.newRule.met' : 'pin.newRule.unmet' },
      { key: 'pin.newRule.digit' },
      { key: 'pin.newRule.unmet' },
    ];
    const vm = withLength(fixture('enter-new-pin-alphanumeric-full'), 0);
    guidance.show(vm, rules(false));
    guidance.show(withLength(vm, 1), rules(true));
    guidance.show(withLength(vm, 0), rules(false));
    expect(said[0]?.keys).toContain('pin.newRule.letter');
    expect(said.slice(1).map((s) => s.keys)).toEqual([['speech.pinKeyEntered'], ['speech.pinKeyDeleted']]);
    // くりかえし says the rules with their ticks as they are now.
    guidance.repeat();
    expect(said.at(-1)?.keys).toContain('pin.newRule.unmet');
  });

  it('on the same screen says only what is new (a notice), and repeat() says the whole screen again', () => {
    const vm = fixture('enter-current-pin-numeric');
    guidance.show(vm, pinScreenTexts(vm));
    const notice: ShownText[] = [
      ...pinScreenTexts(vm).slice(0, 4),
      { key: 'error.wrong-pin.title' },
      { key: 'error.wrong-pin.explanation', params: { triesLeft: 1 } },
    ];
    guidance.show(vm, notice);
    expect(said[1]?.keys).toEqual(['error.wrong-pin.title', 'error.wrong-pin.explanation']);
    expect(said[1]?.texts[1]).toContain('あと1回');
    guidance.repeat();
    expect(said[2]?.keys).toEqual([
      vm.title.key,
      'pin.rule.numeric.fixed',
      'error.wrong-pin.title',
      'error.wrong-pin.explanation',
    ]);
  });

  it('says a notice again when it comes again (OK pressed again too early), not on a key press', () => {
    const vm = fixture('enter-current-pin-too-short');
    const texts = (shown: ViewModel): ShownText[] => [
      ...pinScreenTexts(shown).slice(0, 4),
      { key: 'error.pin-too-short.title' },
      { key: 'error.pin-too-short.explanation.auth', params: { min: 4, max: 4 } },
    ];
    const again = (occurrence: number): ViewModel => ({
      ...vm,
      notice: vm.notice && { ...vm.notice, occurrence },
    });
    guidance.show(fixture('enter-current-pin-numeric'), pinScreenTexts(fixture('enter-current-pin-numeric')));
    guidance.show(again(1), texts(again(1)));
    guidance.show(again(2), texts(again(2)));
    expect(said.slice(1).map((s) => s.keys)).toEqual([
      ['error.pin-too-short.title', 'error.pin-too-short.explanation.auth'],
      ['error.pin-too-short.title', 'error.pin-too-short.explanation.auth'],
    ]);
    expect(said[1]?.texts[1]).toBe('数字4桁をすべて入力してから、決定を押してください。');
    // The same notice, same occurrence, one more key: only "one character entered".
    const typed = withLength(again(2), 4);
    guidance.show(typed, texts(typed));
    expect(said.at(-1)?.keys).toEqual(['speech.pinKeyEntered']);
  });

  it('speaks in the session language', () => {
    const vm = inLanguage(fixture('idle'), 'vi');
    guidance.show(vm, [{ key: 'screen.idle.title' }, { key: 'action.start' }]);
    expect(said[0]).toMatchObject({ language: 'vi', texts: [catalogues.vi?.['screen.idle.title']] });
  });

  it('chimes and reminds every interval while the card is left on the reader, and stops once taken', () => {
    const takeCard = inLanguage(fixture('take-card'), 'en');
    guidance.show(takeCard, [{ key: 'screen.take-card.title' }, { key: 'screen.take-card.body' }]);
    expect(said[0]).toMatchObject({
      chimeFirst: true,
      keys: ['screen.take-card.title', 'screen.take-card.body'],
    });
    vi.advanceTimersByTime(CARD_REMINDER_INTERVAL_MS * 2);
    expect(said.slice(1)).toEqual([
      {
        language: 'en',
        keys: ['speech.cardLeftReminder'],
        texts: [catalogues.en?.['speech.cardLeftReminder']],
        chimeFirst: true,
      },
      {
        language: 'en',
        keys: ['speech.cardLeftReminder'],
        texts: [catalogues.en?.['speech.cardLeftReminder']],
        chimeFirst: true,
      },
    ]);
    guidance.show(fixture('idle'), [{ key: 'screen.idle.title' }]);
    const count = said.length;
    vi.advanceTimersByTime(CARD_REMINDER_INTERVAL_MS * 3);
    expect(said).toHaveLength(count);
  });

  it('passes volume keys to the player', () => {
    guidance.volumeUp();
    guidance.volumeUp();
    guidance.volumeDown();
    expect(volume).toBe(1);
  });

  it('resets the volume when the session is over (back on a standby screen), not while one goes on', () => {
    const idle = fixture('idle');
    const choose = fixture('choose-procedure');
    guidance.show(idle, [{ key: 'screen.idle.title' }]);
    guidance.volumeDown();
    guidance.show(inLanguage(idle, 'en'), [{ key: 'screen.idle.title' }]);
    guidance.show(choose, [{ key: 'screen.choose-procedure.title' }]);
    expect(volume).toBe(-1);
    guidance.show(fixture('take-card'), [{ key: 'screen.take-card.title' }]);
    expect(volume).toBe(-1);
    guidance.show(idle, [{ key: 'screen.idle.title' }]);
    expect(volume).toBe(0);
  });
});
