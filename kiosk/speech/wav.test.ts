import { describe, expect, it } from 'vitest';
import { cardReminderChime } from './chime';
import { decodeWav, encodeWav, loudness } from './wav';

describe('WAV and loudness', () => {
  it('measures silence as silence and the chime as sound, through an encode/decode round trip', () => {
    const silence = decodeWav(encodeWav({ sampleRate: 24_000, samples: new Float32Array(24_000) }));
    expect(loudness(silence)).toEqual({ rms: 0, peak: 0, seconds: 1 });
    const chime = decodeWav(encodeWav(cardReminderChime()));
    const measured = loudness(chime);
    expect(measured.peak).toBeGreaterThan(0.3);
    expect(measured.rms).toBeGreaterThan(0.05);
    expect(chime.sampleRate).toBe(24_000);
  });

  it('refuses what is not 16-bit PCM WAVE', () => {
    expect(() => decodeWav(new TextEncoder().encode('RIFF....WAVEjunk'))).toThrow();
    expect(() => decodeWav(new Uint8Array(44))).toThrow(/RIFF/);
  });
});
