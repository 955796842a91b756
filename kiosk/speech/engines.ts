import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The speech engines of the kiosk's voice guidance, one per language, all from Debian packages
 * (scripts/ensure-system-deps.sh installs them): Open JTalk with the NAIST dictionary and the
 * nitech m001 HTS voice for Japanese, Flite's "slt" voice for English (clearer than espeak-ng's),
 * espeak-ng for Mandarin, Korean, Vietnamese and Brazilian Portuguese.
 */
export interface SpeechEngine {
  /** Names the engine and voice in the cache key and the manifest. */
  id: string;
  /** Debian packages whose versions go into the cache key: a new voice or engine re-synthesises. */
  packages: readonly string[];
  /** Writes `text` spoken to the WAV file `out`. */
  synthesise(text: string, out: string): Promise<void>;
}

const OPEN_JTALK_DICTIONARY = '/var/lib/mecab/dic/open-jtalk/naist-jdic';
const OPEN_JTALK_VOICE = '/usr/share/hts-voice/nitech-jp-atr503-m001/nitech_jp_atr503_m001.htsvoice';

/** Open JTalk reads its text from a file (or stdin); a file keeps the call a plain execFile. */
const openJTalk: SpeechEngine = {
  id: 'open-jtalk/nitech-jp-atr503-m001',
  packages: ['open-jtalk', 'open-jtalk-mecab-naist-jdic', 'hts-voice-nitech-jp-atr503-m001'],
  async synthesise(text, out) {
    const { writeFile, rm } = await import('node:fs/promises');
    const input = `${out}.txt`;
    await writeFile(input, text, 'utf8');
    try {
      // 24 kHz (frame period 120 samples) halves the files of the voice's native 48 kHz; speech
      // needs no more.
      await run('open_jtalk', [
        '-x',
        OPEN_JTALK_DICTIONARY,
        '-m',
        OPEN_JTALK_VOICE,
        '-s',
        '24000',
        '-p',
        '120',
        '-ow',
        out,
        input,
      ]);
    } finally {
      await rm(input, { force: true });
    }
  },
};

const flite: SpeechEngine = {
  id: 'flite/slt',
  packages: ['flite'],
  async synthesise(text, out) {
    await run('flite', ['-voice', 'slt', '-t', text, '-o', out]);
  },
};

/** espeak-ng with `voice`, a little slower than its default 175 words a minute. */
const espeak = (voice: string): SpeechEngine => ({
  id: `espeak-ng/${voice}`,
  packages: ['espeak-ng', 'espeak-ng-data'],
  async synthesise(text, out) {
    await run('espeak-ng', ['-v', voice, '-s', '150', '-w', out, '--', text]);
  },
});

/** The engine of each catalogue language; a language missing here is shown as text only. */
export const SPEECH_ENGINES: Readonly<Record<string, SpeechEngine>> = {
  ja: openJTalk,
  en: flite,
  zh: espeak('cmn'),
  ko: espeak('ko'),
  vi: espeak('vi'),
  'pt-BR': espeak('pt-br'),
};

/** "open-jtalk=1.11-3 …": the installed versions of the engine's packages, for the cache key. */
export async function engineVersion(engine: SpeechEngine): Promise<string> {
  const { stdout } = await run('dpkg-query', ['-W', '-f=${Package}=${Version} ', ...engine.packages]);
  return stdout.trim();
}
