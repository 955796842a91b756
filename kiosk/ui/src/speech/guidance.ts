import { type Catalogues, type TextParams, translator } from '../i18n';
import type { ViewModel } from '../view-model';
import { phrasesOf } from './phrases';
import type { SpeechPlayer, SpokenItem } from './player';

/**
 * Voice guidance (音声ガイダンス): what the customer hears for each view model. The renderer
 * reports every text it put on the page (key and parameters, in page order); the guidance speaks
 * the screen's texts when a screen appears, only what is new when the same screen changes (a
 * notice, the inactivity warning), "one character entered" when a PIN grows (never the
 * character: the UI has none), and, while a card is left on the reader, a chime and a reminder
 * until it is taken. Keys to repeat and change the volume call `repeat`, `volumeUp`, `volumeDown`.
 */
export interface ShownText {
  key: string;
  params?: TextParams;
}

export interface SpeechGuidance {
  /** Called after each render with the view model and the texts the page shows, in order. */
  show(vm: ViewModel, shown: ShownText[]): void;
  /** Says these catalogue texts now, in the session's language (for other key handlers). */
  play(texts: ShownText[]): void;
  /** Says the whole current screen again. */
  repeat(): void;
  volumeUp(): void;
  volumeDown(): void;
}

/** Texts that are labels of controls or visual chrome, not what the screen says. */
const UNSPOKEN = [
  /^app\.title$/,
  /^language\.name$/,
  /^action\./,
  /^keyboard\./,
  /^pin\.typedCount$/,
  /^progress\.label$/,
  /^inactivity\.secondsLeft$/,
];
const spoken = ({ key }: ShownText): boolean => !UNSPOKEN.some((pattern) => pattern.test(key));
/** The new-PIN rules and their ticks, drawn as the PIN is typed. */
const NEW_PIN_RULE = /^pin\.newRule\./;

/** Screens between sessions: arriving at one from a session resets the volume, like the language. */
const STANDBY_SCREENS = new Set(['idle', 'closed', 'out-of-service']);

/** How often the card-left reminder repeats while the take-card screen stays. */
export const CARD_REMINDER_INTERVAL_MS = 10_000;

export function createSpeechGuidance(catalogues: Catalogues, player: SpeechPlayer): SpeechGuidance {
  let language = 'ja';
  let screen: SpokenItem[] = [];
  let previous: { vm: ViewModel; texts: Set<string> } | undefined;
  let reminder: ReturnType<typeof setInterval> | undefined;

  const items = (texts: ShownText[]): SpokenItem[] => {
    const tr = translator(catalogues, language);
    const templates = { ...catalogues.ja, ...catalogues[language] };
    return texts.map(({ key, params }) => ({
      key,
      text: tr.t(key, params),
      phrases: phrasesOf(templates[key] ?? key, params),
    }));
  };
  const say = (texts: ShownText[], chimeFirst = false): void =>
    player.say(language, items(texts), { chimeFirst });

  const remindUntilTaken = (vm: ViewModel): void => {
    if (vm.screen !== 'take-card') {
      if (reminder !== undefined) clearInterval(reminder);
      reminder = undefined;
      return;
    }
    reminder ??= setInterval(
      () => say([{ key: 'speech.cardLeftReminder' }], true),
      CARD_REMINDER_INTERVAL_MS,
    );
  };

  return {
    show(vm, shown) {
      language = vm.language in catalogues ? vm.language : 'ja';
      const now = items(shown.filter(spoken));
      const before = previous;
      previous = { vm, texts: new Set(now.map((item) => item.text)) };
      remindUntilTaken(vm);
      if (before && STANDBY_SCREENS.has(vm.screen) && !STANDBY_SCREENS.has(before.vm.screen)) {
        player.resetVolume();
      }
      const sameScreen =
        before !== undefined &&
        before.vm.screen === vm.screen &&
        before.vm.language === vm.language &&
        before.vm.procedure === vm.procedure;
      if (!sameScreen) {
        screen = now;
        player.say(language, now, { chimeFirst: vm.screen === 'take-card' });
        return;
      }
      screen = now;
      const grown = (vm.pin?.length ?? 0) - (before.vm.pin?.length ?? 0);
      // The same notice shown again (OK pressed again too early) is said again.
      const renewed =
        vm.notice && vm.notice.occurrence !== before.vm.notice?.occurrence
          ? new Set([vm.notice.texts.title, vm.notice.texts.explanation])
          : new Set<string>();
      // A key that changes a new-PIN rule's tick is still only "one character entered": saying
      // "at least one letter (met)" would tell the room what kind of character was typed.
      const added = now.filter(
        (item) =>
          (!before.texts.has(item.text) || renewed.has(item.key)) &&
          !(grown !== 0 && NEW_PIN_RULE.test(item.key)),
      );
      if (added.length) return player.say(language, added);
      if (grown > 0) say(Array.from({ length: grown }, () => ({ key: 'speech.pinKeyEntered' })));
      else if (grown < 0) say([{ key: 'speech.pinKeyDeleted' }]);
    },
    play: (texts) => say(texts),
    repeat: () => player.say(language, screen),
    volumeUp: () => player.volumeUp(),
    volumeDown: () => player.volumeDown(),
  };
}
