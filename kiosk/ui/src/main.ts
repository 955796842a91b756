/**
 * Browser entry point of the kiosk UI: a pure view. It renders each view model the kiosk core
 * streams and sends taps back as events; it holds no flow state and never a PIN.
 */
import { connect } from './connection';
import { type Catalogues, translator } from './i18n';
import { connectionLostOverlay, renderPage } from './render';
import { type ShownText, createSpeechGuidance } from './speech/guidance';
import { setSpeechGuidance } from './speech/index';
import { type SpeechManifest, createSpeechPlayer } from './speech/player';
import type { ViewModel } from './view-model';

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
  const connection = connect<ViewModel>({
    onViewModel(vm) {
      language = vm.language;
      document.documentElement.lang = language;
      const shown: ShownText[] = [];
      root.replaceChildren(
        renderPage(vm, catalogues, connection, (key, params) => shown.push({ key, params })),
      );
      guidance.show(vm, shown);
      // Lets a test (or an operator's devtools) see that a new view model has been drawn.
      root.dataset.renders = String(++renders);
    },
    onLost() {
      if (root.querySelector('[data-overlay="connection-lost"]')) return;
      root.append(connectionLostOverlay(translator(catalogues, language)));
    },
  });
}

void start();
