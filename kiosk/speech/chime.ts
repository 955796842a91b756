import type { Pcm } from './wav';

const SAMPLE_RATE = 24_000;

/** One bell-like note: a sine with its octave, struck and decaying. */
function note(frequency: number, seconds: number): Float32Array {
  const samples = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  for (let i = 0; i < samples.length; i++) {
    const t = i / SAMPLE_RATE;
    const attack = Math.min(1, t / 0.01);
    const envelope = attack * Math.exp(-t * 4);
    samples[i] =
      0.6 * envelope * (Math.sin(2 * Math.PI * frequency * t) + 0.3 * Math.sin(4 * Math.PI * frequency * t));
  }
  return samples;
}

/**
 * The "card left on the reader" chime: two falling notes (E6, C6), the familiar "ding-dong" of a
 * shop door, made here as PCM so no sound file is committed or downloaded.
 */
export function cardReminderChime(): Pcm {
  const first = note(1318.5, 0.45);
  const second = note(1046.5, 0.9);
  const samples = new Float32Array(first.length + second.length);
  samples.set(first, 0);
  samples.set(second, first.length);
  return { sampleRate: SAMPLE_RATE, samples };
}
