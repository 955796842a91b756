/**
 * The page's one voice guidance, for key handlers elsewhere in the UI (hard keys: くりかえし,
 * volume): `speechGuidance()?.repeat()`. Set by main.ts once the speech manifest has loaded.
 */
import type { SpeechGuidance } from './guidance';

let current: SpeechGuidance | undefined;

export function setSpeechGuidance(guidance: SpeechGuidance): void {
  current = guidance;
}

export function speechGuidance(): SpeechGuidance | undefined {
  return current;
}
