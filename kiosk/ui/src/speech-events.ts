import type { TextParams } from './i18n';

/**
 * What the UI asks a speech player to say, as DOM events on `document` (the player, if any, listens;
 * the UI makes no sound itself). Texts are catalogue keys with their parameters, in the language
 * given, in screen order. Never a PIN character: PIN screens carry only how many were typed.
 *
 * - `screen`: a new screen, dialog or notice was drawn;
 * - `repeat`: くりかえし (repeat) was pressed: the same texts again;
 * - `prompt`: a short prompt of the keypad (e.g. "now the second key"), not a screen.
 */
export const SPEECH_EVENT = 'kiosk-speech';

export interface SpokenText {
  key: string;
  params?: TextParams;
}

export interface SpeechRequest {
  reason: 'screen' | 'repeat' | 'prompt';
  language: string;
  texts: SpokenText[];
}

export function requestSpeech(request: SpeechRequest): void {
  document.dispatchEvent(new CustomEvent<SpeechRequest>(SPEECH_EVENT, { detail: request }));
}
