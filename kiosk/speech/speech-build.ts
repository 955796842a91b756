import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDirectoryLock } from '../../hardware/pki/atomic-files';
import { CUSTOMER_ERRORS } from '../../state-machines/session/customer-errors';
import { formatJapanTime } from '../../state-machines/time/service-window';
import { type Catalogue, loadCatalogues } from '../ui/catalogues';
import { japanDateFormat } from '../ui/src/i18n';
import { literalPhrases, spokenForm, valueTokens } from '../ui/src/speech/phrases';
import { cardReminderChime } from './chime';
import { SPEECH_ENGINES, type SpeechEngine, engineVersion } from './engines';
import { encodeWav } from './wav';

/**
 * The speech build (`npm run speech`): every phrase of every catalogue, synthesised ahead of time
 * into a cache of WAV files named by a hash of (engine, engine and voice package versions, text),
 * plus the manifest the kiosk UI plays from (docs/speech.md). Nothing is synthesised on the hot
 * path: a phrase already in the cache is never made again, and the UI server only serves files.
 */
export interface SpeechManifest {
  format: 1;
  /** The card-reminder chime, relative to the cache folder. */
  chime: string;
  /** Languages with a speech engine; a catalogue language missing here is shown as text only. */
  languages: Record<string, { engine: string; phrases: Record<string, string> }>;
}

export const MANIFEST_FILE = 'manifest.json';
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the cache lives: `KIOSK_SPEECH_DIR`, else build/speech in the checkout (git-ignored). */
export function defaultSpeechDir(): string {
  return process.env.KIOSK_SPEECH_DIR ?? join(REPO_ROOT, 'build', 'speech');
}

/** Numbers a text can carry (tries left, characters typed, PIN lengths): 0…30. */
const NUMBERS = Array.from({ length: 31 }, (_unused, n) => String(n));
/** Every quarter hour, as the service window writes opening times. */
const TIMES = Array.from({ length: 96 }, (_unused, i) => formatJapanTime(i * 15));
/** Certificates issued from 2016 live at most 10 years past their issue: dates up to 2040. */
const FIRST_YEAR = 2016;
const LAST_YEAR = 2040;

/** The tokens of every date in the validity range, as `language` writes them. */
function dateTokens(language: string): string[] {
  const format = japanDateFormat(language);
  const tokens = new Set<string>();
  for (let day = Date.UTC(FIRST_YEAR, 0, 1, 3); day <= Date.UTC(LAST_YEAR, 11, 31, 3); day += 86_400_000) {
    for (const token of valueTokens(format.format(new Date(day)))) tokens.add(token);
  }
  return [...tokens];
}

/** Every phrase the kiosk can speak in `language`: each catalogue text's pieces and every value token. */
export function speechPhrases(language: string, catalogue: Catalogue): string[] {
  const phrases = new Set<string>();
  for (const text of Object.values(catalogue)) for (const phrase of literalPhrases(text)) phrases.add(phrase);
  const codes = Object.values(CUSTOMER_ERRORS).flatMap((error) => valueTokens(error.displayCode));
  for (const token of [...NUMBERS, ...TIMES, ...codes, ...dateTokens(language)]) phrases.add(token);
  return [...phrases];
}

const clipName = (engineId: string, version: string, text: string): string =>
  createHash('sha256')
    .update(JSON.stringify([engineId, version, text]))
    .digest('hex')
    .slice(0, 32);

/** Runs `jobs` with at most `limit` at a time. */
async function pool(jobs: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) await jobs[next++]?.();
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}

export interface SpeechBuildOptions {
  dir?: string;
  /** Default: every catalogue language that has an engine. */
  languages?: readonly string[];
  catalogues?: Record<string, Catalogue>;
  /** Engines running at once (default 2: the kiosk machine has few cores). */
  concurrency?: number;
  engines?: Readonly<Record<string, SpeechEngine>>;
}

export interface SpeechBuildResult {
  dir: string;
  manifest: SpeechManifest;
  synthesised: number;
  cached: number;
}

/** Synthesises what is not cached yet and writes the manifest (atomically, last). */
export async function buildSpeech(options: SpeechBuildOptions = {}): Promise<SpeechBuildResult> {
  const dir = options.dir ?? defaultSpeechDir();
  await mkdir(dir, { recursive: true });
  // One build at a time per cache (two test files, or two shells): the second finds the first's clips.
  return withDirectoryLock(join(dir, '.build-lock'), () => build(dir, options), { waitMs: 30 * 60_000 });
}

async function build(dir: string, options: SpeechBuildOptions): Promise<SpeechBuildResult> {
  const catalogues = options.catalogues ?? loadCatalogues();
  const engines = options.engines ?? SPEECH_ENGINES;
  const languages = (options.languages ?? Object.keys(catalogues)).filter((l) => engines[l] && catalogues[l]);
  const manifest: SpeechManifest = { format: 1, chime: 'chime.wav', languages: {} };
  const jobs: Array<() => Promise<void>> = [];
  let synthesised = 0;
  let cached = 0;
  for (const language of languages) {
    const engine = engines[language] as SpeechEngine;
    const version = await engineVersion(engine);
    await mkdir(join(dir, language), { recursive: true });
    const phrases: Record<string, string> = {};
    const pending = new Set<string>();
    for (const phrase of speechPhrases(language, catalogues[language] ?? {})) {
      const text = spokenForm(language, phrase);
      const file = `${language}/${clipName(engine.id, version, text)}.wav`;
      phrases[phrase] = file;
      if (existsSync(join(dir, file))) {
        cached++;
      } else if (!pending.has(file)) {
        pending.add(file);
        jobs.push(async () => {
          // Written under a temporary name first, so a stopped build never leaves half a clip.
          // (Its name is this process's own: two builds at once, as in a parallel test run, cannot collide.)
          const temporary = join(dir, `${file}.${process.pid}-${randomUUID()}.part.wav`);
          await engine.synthesise(text, temporary);
          await rename(temporary, join(dir, file));
          synthesised++;
        });
      }
    }
    manifest.languages[language] = { engine: `${engine.id} (${version})`, phrases };
  }
  await pool(jobs, options.concurrency ?? 2);
  const chime = join(dir, `${manifest.chime}.${process.pid}-${randomUUID()}.tmp`);
  await writeFile(chime, encodeWav(cardReminderChime()));
  await rename(chime, join(dir, manifest.chime));
  const manifestPath = join(dir, MANIFEST_FILE);
  const temporaryManifest = `${manifestPath}.${process.pid}-${randomUUID()}.tmp`;
  await writeFile(temporaryManifest, JSON.stringify(manifest));
  await rename(temporaryManifest, manifestPath);
  return { dir, manifest, synthesised, cached };
}

/** The manifest of a built cache, or undefined when `npm run speech` has not run there. */
export async function readSpeechManifest(
  dir: string = defaultSpeechDir(),
): Promise<SpeechManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as SpeechManifest;
  } catch {
    return undefined;
  }
}
