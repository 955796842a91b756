/**
 * Plays the speech clips made ahead of time (docs/speech.md) through Web Audio, and keeps a log of
 * what it says: `<ol id="spoken-log">`, one `<li>` per message, outside the page the renderer
 * replaces. Tests read the log; it holds only catalogue texts (never a PIN character: PIN keys are
 * announced as "one character entered"), and only the latest LOG_LIMIT messages.
 */
export interface SpeechManifest {
  format: 1;
  chime: string;
  languages: Record<string, { engine: string; phrases: Record<string, string> }>;
}

/** One message: its catalogue key, the text shown, and the phrases it is spoken as. */
export interface SpokenItem {
  key: string;
  text: string;
  phrases: string[];
}

export interface SpeechPlayer {
  /** Says `items` in `language` in order, cutting off whatever was being said. */
  say(language: string, items: SpokenItem[], options?: { chimeFirst?: boolean }): void;
  volumeUp(): void;
  volumeDown(): void;
  /** Back to the default step (the next customer does not inherit the last one's volume). */
  resetVolume(): void;
}

const LOG_LIMIT = 200;
/** Volume steps; the lowest is still audible, so no key press can silence the guidance by mistake. */
const VOLUMES = [0.25, 0.5, 0.75, 1];
const DEFAULT_VOLUME_STEP = 2;
/** Silence between two messages, so a title and its explanation do not run together. */
const PAUSE_SECONDS = 0.3;

export function createSpeechPlayer(manifest: SpeechManifest): SpeechPlayer {
  const log = document.createElement('ol');
  log.id = 'spoken-log';
  log.hidden = true;
  log.setAttribute('aria-hidden', 'true');
  document.body.append(log);
  let volumeStep = DEFAULT_VOLUME_STEP;
  let said = 0;
  log.dataset.volume = String(VOLUMES[volumeStep]);

  let context: AudioContext | undefined;
  let gain: GainNode | undefined;
  const buffers = new Map<string, Promise<AudioBuffer | undefined>>();
  /** Bumped on every new utterance: a queue whose generation is old stops at its next step. */
  let generation = 0;
  let playing: AudioBufferSourceNode | undefined;

  const audio = (): { context: AudioContext; gain: GainNode } => {
    if (!context || !gain) {
      context = new AudioContext();
      gain = context.createGain();
      gain.gain.value = VOLUMES[volumeStep] ?? 1;
      gain.connect(context.destination);
    }
    // A browser that needs a gesture first starts suspended; the next touch or key resumes it.
    if (context.state === 'suspended') void context.resume().catch(() => undefined);
    return { context, gain };
  };
  const resume = (): void => void context?.resume().catch(() => undefined);
  window.addEventListener('pointerdown', resume, true);
  window.addEventListener('keydown', resume, true);

  const clip = (file: string): Promise<AudioBuffer | undefined> => {
    let pending = buffers.get(file);
    if (!pending) {
      pending = fetch(`/speech/${file}`)
        .then((response) => (response.ok ? response.arrayBuffer() : Promise.reject(new Error('no clip'))))
        .then((bytes) => audio().context.decodeAudioData(bytes))
        .catch(() => {
          buffers.delete(file);
          return undefined;
        });
      buffers.set(file, pending);
    }
    return pending;
  };

  const playBuffer = (buffer: AudioBuffer, delay: number): Promise<void> =>
    new Promise((resolve) => {
      const { context: ctx, gain: out } = audio();
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(out);
      source.onended = () => resolve();
      playing = source;
      source.start(ctx.currentTime + delay);
    });

  const record = (language: string, item: SpokenItem, files: Array<string | undefined>): HTMLLIElement => {
    const entry = document.createElement('li');
    entry.dataset.key = item.key;
    entry.dataset.language = language;
    const found = files.filter(Boolean).length;
    entry.dataset.audio = found === files.length && found > 0 ? 'complete' : found ? 'partial' : 'none';
    entry.dataset.state = 'queued';
    // A running number, so a reader of the log can tell new messages from old after the trim.
    entry.dataset.seq = String(++said);
    entry.textContent = item.text;
    log.append(entry);
    while (log.childElementCount > LOG_LIMIT) log.firstElementChild?.remove();
    return entry;
  };

  const cut = (): void => {
    generation++;
    try {
      playing?.stop();
    } catch {
      // Not started yet or already ended.
    }
    playing = undefined;
    for (const entry of Array.from(
      log.querySelectorAll<HTMLElement>('[data-state="queued"], [data-state="playing"]'),
    )) {
      entry.dataset.state = 'cut';
    }
  };

  return {
    say(language, items, options = {}) {
      cut();
      const mine = generation;
      const phrases = manifest.languages[language]?.phrases ?? {};
      const queue = items.map((item) => {
        const files = item.phrases.map((phrase) => phrases[phrase]);
        return { entry: record(language, item, files), files: files.filter((f): f is string => !!f) };
      });
      const chime = options.chimeFirst && manifest.chime ? manifest.chime : undefined;
      // Every clip is fetched at once, so the phrases of a message play without gaps.
      const loads = queue.map(({ files }) => Promise.all(files.map(clip)));
      const chimeLoad = chime ? clip(chime) : Promise.resolve(undefined);
      void (async () => {
        const chimeBuffer = await chimeLoad;
        if (chimeBuffer && mine === generation) await playBuffer(chimeBuffer, 0);
        for (const [index, { entry }] of queue.entries()) {
          const clips = await loads[index];
          if (mine !== generation) return;
          entry.dataset.state = 'playing';
          for (const [at, buffer] of (clips ?? []).entries()) {
            if (mine !== generation) return;
            if (buffer) await playBuffer(buffer, at === 0 ? PAUSE_SECONDS : 0);
          }
          if (mine !== generation) return;
          entry.dataset.state = 'done';
        }
      })();
    },
    volumeUp() {
      volumeStep = Math.min(VOLUMES.length - 1, volumeStep + 1);
      applyVolume();
    },
    volumeDown() {
      volumeStep = Math.max(0, volumeStep - 1);
      applyVolume();
    },
    resetVolume() {
      volumeStep = DEFAULT_VOLUME_STEP;
      applyVolume();
    },
  };

  function applyVolume(): void {
    const volume = VOLUMES[volumeStep] ?? 1;
    log.dataset.volume = String(volume);
    if (gain) gain.gain.value = volume;
  }
}
