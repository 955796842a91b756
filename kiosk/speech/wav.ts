/**
 * Just enough of the WAV format for the speech cache: 16-bit PCM mono, as Open JTalk, Flite and
 * espeak-ng write it, read for the loudness check and written for the chime.
 */
export interface Pcm {
  sampleRate: number;
  /** Samples in −1…1. */
  samples: Float32Array;
}

/** Reads a RIFF/WAVE file of 16-bit PCM (any channel count; channels are mixed down). */
export function decodeWav(bytes: Uint8Array): Pcm {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let format: { channels: number; sampleRate: number; bits: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at);
    // espeak-ng writes its streaming size (0x7fffffff) when it cannot seek back: clamp to the file.
    const size = Math.min(view.getUint32(at + 4, true), bytes.length - at - 8);
    const body = at + 8;
    if (id === 'fmt ') {
      if (view.getUint16(body, true) !== 1) throw new Error('not PCM');
      format = {
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format || format.bits !== 16) throw new Error('not 16-bit PCM');
      const frames = Math.floor(size / (2 * format.channels));
      const samples = new Float32Array(frames);
      for (let frame = 0; frame < frames; frame++) {
        let sum = 0;
        for (let c = 0; c < format.channels; c++)
          sum += view.getInt16(body + 2 * (frame * format.channels + c), true);
        samples[frame] = sum / format.channels / 32768;
      }
      return { sampleRate: format.sampleRate, samples };
    }
    at = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}

/** 16-bit PCM mono WAV bytes of `pcm`. */
export function encodeWav(pcm: Pcm): Uint8Array {
  const bytes = new Uint8Array(44 + pcm.samples.length * 2);
  const view = new DataView(bytes.buffer);
  const write = (at: number, text: string): void => {
    for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
  };
  write(0, 'RIFF');
  view.setUint32(4, bytes.length - 8, true);
  write(8, 'WAVE');
  write(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, pcm.sampleRate, true);
  view.setUint32(28, pcm.sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  write(36, 'data');
  view.setUint32(40, pcm.samples.length * 2, true);
  pcm.samples.forEach((sample, i) => {
    view.setInt16(44 + i * 2, Math.round(Math.max(-1, Math.min(1, sample)) * 32767), true);
  });
  return bytes;
}

/** Loudness of a clip: root mean square and peak (0…1 of full scale), and its length in seconds. */
export function loudness(pcm: Pcm): { rms: number; peak: number; seconds: number } {
  let squares = 0;
  let peak = 0;
  for (const sample of pcm.samples) {
    squares += sample * sample;
    peak = Math.max(peak, Math.abs(sample));
  }
  const n = pcm.samples.length;
  return { rms: n ? Math.sqrt(squares / n) : 0, peak, seconds: n / pcm.sampleRate };
}
