/**
 * Browser entry point of the kiosk UI: a pure view. It renders each view model the kiosk core
 * streams and sends taps (and hard-key presses, which press the same buttons) back as events; it
 * holds no flow state and never a PIN.
 */
import { connect } from './connection';
import { hardKeyOf } from './hard-keys';
import { type Catalogues, translator } from './i18n';
import { pressHardKey } from './key-control';
import { connectionLostOverlay, renderPage } from './render';
import { createSpeechGuidance } from './speech/guidance';
import { setSpeechGuidance } from './speech/index';
import { type SpeechManifest, createSpeechPlayer } from './speech/player';
import { requestSpeech, type SpokenText } from './speech-events';
import { TwoKeyLetters } from './two-key-letters';
import type { ViewModel } from './view-model';

/** What makes a new thing to say: another screen, dialog, notice (the same one again too), error or warning. */
function speechMoment(vm: ViewModel): string {
  return [
    vm.screen,
    vm.dialog,
    vm.notice?.code,
    vm.notice?.occurrence,
    vm.error?.code,
    vm.inactivityWarning,
    vm.language,
  ].join('|');
}

/** The keypad method's place: a new screen or PIN buffer starts it afresh. */
function inputPlace(vm: ViewModel): string {
  return `${vm.screen}|${vm.pin?.slot ?? ''}|${vm.dialog ?? ''}`;
}

async function start(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) return;
  const [catalogues, manifest] = await Promise.all([
    fetch('/messages.json').then(async (response) => (await response.json()) as Catalogues),
    fetch('/speech/manifest.json').then(async (response) => (await response.json()) as SpeechManifest),
  ]);
  const guidance = createSpeechGuidance(catalogues, createSpeechPlayer(manifest));
  setSpeechGuidance(guidance);
  let language = 'ja';
  let renders = 0;
  let current: ViewModel | null = null;
  let spoken: SpokenText[] = [];
  let moment = '';
  let place = '';
  const letters = new TwoKeyLetters();

  const draw = (vm: ViewModel): void => {
    const page = renderPage(vm, catalogues, connection, { twoKeyPending: letters.pending });
    root.replaceChildren(page.element);
    // The focus shows what 決定 will press: the dialog's safe button, or the screen's main one.
    const scope = page.element.querySelector('[data-overlay]') ?? page.element;
    scope.querySelector<HTMLElement>('[data-autofocus]:not(:disabled)')?.focus();
    spoken = page.texts;
  };

  const connection = connect<ViewModel>({
    onViewModel(vm) {
      current = vm;
      language = vm.language;
      document.documentElement.lang = language;
      if (inputPlace(vm) !== place) letters.reset();
      place = inputPlace(vm);
      draw(vm);
      guidance.show(vm, spoken);
      if (speechMoment(vm) !== moment) requestSpeech({ reason: 'screen', language, texts: spoken });
      moment = speechMoment(vm);
      // Lets a test (or an operator's devtools) see that a new view model has been drawn.
      root.dataset.renders = String(++renders);
    },
    onLost() {
      if (root.querySelector('[data-overlay="connection-lost"]')) return;
      root.append(connectionLostOverlay(translator(catalogues, language)));
    },
  });

  document.addEventListener('keydown', (event) => {
    const key = hardKeyOf(event);
    if (!key) return;
    // The page's own meaning of these keys (F1 help, F3 find, Backspace…) never applies.
    event.preventDefault();
    if (event.repeat || !current) return;
    if (key.kind === 'function' && key.key === 'repeat') {
      requestSpeech({ reason: 'repeat', language, texts: spoken });
      guidance.repeat();
      return;
    }
    if (key.kind === 'function' && (key.key === 'volume-up' || key.key === 'volume-down')) {
      if (key.key === 'volume-up') guidance.volumeUp();
      else guidance.volumeDown();
      return;
    }
    const outcome = pressHardKey(root, key, letters);
    if (outcome.prompt) {
      requestSpeech({ reason: 'prompt', language, texts: [{ key: outcome.prompt }] });
      guidance.play([{ key: outcome.prompt }]);
    }
    if (outcome.redraw) draw(current);
  });
}

void start();
