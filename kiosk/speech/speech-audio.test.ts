import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogues } from '../ui/catalogues';
import { literalPhrases, phrasesOf } from '../ui/src/speech/phrases';
import { type SpeechBuildResult, buildSpeech } from './speech-build';
import { decodeWav, loudness } from './wav';

/**
 * The speech cache of `npm run speech`, built for real with the Debian engines (Open JTalk for
 * Japanese, Flite for English, espeak-ng for the others): every Japanese and English message has
 * a clip, and every clip is real speech, not silence (decoded and measured). A fresh machine
 * synthesises everything once (about a minute on two cores); later runs find it cached.
 */
const catalogues = loadCatalogues();
let build: SpeechBuildResult;

beforeAll(async () => {
  build = await buildSpeech();
}, 600_000);

/** Speech has a peak well above noise and a loudness of a voice, for at least a syllable's length. */
async function measure(file: string): Promise<{ rms: number; peak: number; seconds: number }> {
  return loudness(decodeWav(await readFile(join(build.dir, file))));
}

describe('speech cache', () => {
  it('has an engine for every catalogue language', () => {
    expect(Object.keys(build.manifest.languages).sort()).toEqual(Object.keys(catalogues).sort());
  });

  it.each(['ja', 'en'])(
    '%s: every message has its clips, and every clip is speech, not silence',
    async (language) => {
      const phrases = build.manifest.languages[language]?.phrases ?? {};
      const catalogue = catalogues[language] ?? {};
      const missing = Object.entries(catalogue).flatMap(([key, text]) =>
        literalPhrases(text)
          .filter((phrase) => !phrases[phrase])
          .map((phrase) => `${key}: ${phrase}`),
      );
      expect(missing).toEqual([]);
      const quiet: string[] = [];
      for (const [phrase, file] of Object.entries(phrases)) {
        const { rms, peak, seconds } = await measure(file);
        if (!(peak > 0.05 && rms > 0.01 && seconds > 0.15)) {
          quiet.push(`${phrase}: rms ${rms.toFixed(4)}, peak ${peak.toFixed(3)}, ${seconds.toFixed(2)} s`);
        }
      }
      expect(quiet).toEqual([]);
      expect(Object.keys(phrases).length).toBeGreaterThan(Object.keys(catalogue).length);
    },
  );

  it('speaks the values a text carries: a date, an opening time, an error code, a count', () => {
    for (const language of Object.keys(build.manifest.languages)) {
      const phrases = build.manifest.languages[language]?.phrases ?? {};
      const templates = catalogues[language] ?? {};
      const date = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'Asia/Tokyo' }).format(
        new Date('2031-03-31T12:00:00+09:00'),
      );
      const spoken = [
        ...phrasesOf(templates['screen.done.validUntil'] ?? '', { date }),
        ...phrasesOf(templates['screen.closed.body'] ?? '', { opensAt: '06:30', closesAt: '23:00' }),
        ...phrasesOf(templates['error.displayCode'] ?? '', { code: 'E-041' }),
        ...phrasesOf(templates['error.wrong-pin.explanation'] ?? '', { triesLeft: 2 }),
      ];
      expect(
        spoken.filter((phrase) => !phrases[phrase]),
        language,
      ).toEqual([]);
    }
  });

  it('the card-reminder chime is loud enough to hear', async () => {
    const { peak, seconds } = await measure(build.manifest.chime);
    expect(peak).toBeGreaterThan(0.3);
    expect(seconds).toBeGreaterThan(1);
  });

  it('is cached: a second build synthesises nothing and names the same files', async () => {
    const again = await buildSpeech();
    expect(again.synthesised).toBe(0);
    expect(again.manifest).toEqual(build.manifest);
  }, 120_000);
});
