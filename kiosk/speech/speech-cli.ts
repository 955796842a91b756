/**
 * `npm run speech [-- --dir DIR]`: synthesises the voice guidance of every catalogue ahead of time
 * (docs/speech.md). Run once after install and after a catalogue changes; cached clips are kept.
 */
import { parseArgs } from 'node:util';
import { buildSpeech } from './speech-build';

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
const started = Date.now();
const result = await buildSpeech(values.dir === undefined ? {} : { dir: values.dir });
const languages = Object.entries(result.manifest.languages)
  .map(([language, { engine, phrases }]) => `${language}: ${Object.keys(phrases).length} phrases, ${engine}`)
  .join('\n  ');
console.log(
  `Speech cache ${result.dir}: ${result.synthesised} synthesised, ${result.cached} cached, ` +
    `${((Date.now() - started) / 1000).toFixed(1)} s\n  ${languages}`,
);
