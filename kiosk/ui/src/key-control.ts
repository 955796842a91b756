import type { HardKey } from './hard-keys';
import type { TwoKeyLetters } from './two-key-letters';

/** What a hard key press did beyond pressing a button. */
export interface KeyOutcome {
  /** A keypad prompt to speak (catalogue key). */
  prompt?: string;
  /** The page must be redrawn (the two-key state changed). */
  redraw?: boolean;
}

/** The part of the page the keys act on: the open dialog, else the page. */
function keyScope(root: HTMLElement): HTMLElement {
  const dialogs = root.querySelectorAll<HTMLElement>('[data-overlay]:not([data-overlay="connection-lost"])');
  return dialogs[dialogs.length - 1] ?? root;
}

function pressButton(scope: HTMLElement, functionKey: string): boolean {
  const target = scope.querySelector<HTMLButtonElement>(`[data-function-key~="${functionKey}"]`);
  if (!target) return false;
  target.click();
  return true;
}

/**
 * Acts on one hard key (hard-keys.ts) by pressing the button a finger would press: the UI does
 * nothing with keys that it does not do with taps. Digits type on the PIN keyboards (two keys a
 * character on the letter keyboard), and move the focus between numbered choices.
 */
export function pressHardKey(root: HTMLElement, key: HardKey, letters: TwoKeyLetters): KeyOutcome {
  const scope = keyScope(root);
  // "Are you still there?": any key is the one action that gives more time.
  if (pressButton(scope, 'any')) return {};
  if (key.kind === 'function') {
    if (key.key === 'correct' && letters.reset()) return { redraw: true };
    if (key.key === 'decide') {
      const hadFirstKey = letters.reset();
      const focused = document.activeElement;
      if (focused instanceof HTMLButtonElement && scope.contains(focused) && !focused.disabled)
        focused.click();
      else pressButton(scope, 'decide');
      return hadFirstKey ? { redraw: true } : {};
    }
    pressButton(scope, key.key);
    return {};
  }
  const keypad = scope.querySelector<HTMLElement>('[data-keypad]')?.dataset.keypad;
  if (keypad === 'numeric') {
    scope.querySelector<HTMLButtonElement>(`[data-key="${key.digit}"]`)?.click();
    return {};
  }
  if (keypad === 'alphanumeric') {
    const result = letters.press(key.digit);
    if (result.kind === 'character') {
      scope.querySelector<HTMLButtonElement>(`[data-key="${result.character}"]`)?.click();
      return { redraw: true };
    }
    return result.kind === 'pending'
      ? { prompt: 'keys.twoKey.pending', redraw: true }
      : { prompt: 'keys.twoKey.invalid', redraw: true };
  }
  scope.querySelector<HTMLElement>(`[data-choice-number="${key.digit}"]`)?.focus();
  return {};
}
