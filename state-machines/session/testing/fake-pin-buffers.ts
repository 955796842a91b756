import type { PinComposition, PinSlot } from '../pin-rules';
import type { PinBufferActions } from '../session-actors';

export type PinBufferOperation =
  | { op: 'append'; slot: PinSlot }
  | { op: 'remove'; slot: PinSlot }
  | { op: 'wipe'; slots: readonly PinSlot[] };

/**
 * The runtime's PIN buffers, as a test double: it keeps the characters (as the runtime does) so
 * tests can check what the card would receive, and logs every operation without the characters.
 */
export class FakePinBuffers implements PinBufferActions {
  private readonly buffers: Record<PinSlot, string[]> = { current: [], new: [], confirm: [] };
  readonly operations: PinBufferOperation[] = [];

  appendPinCharacter({ slot, character }: { slot: PinSlot; character: string }): void {
    this.buffers[slot].push(character);
    this.operations.push({ op: 'append', slot });
  }

  removeLastPinCharacter({ slot }: { slot: PinSlot }): void {
    this.buffers[slot].pop();
    this.operations.push({ op: 'remove', slot });
  }

  wipePinBuffers({ slots }: { slots: readonly PinSlot[] }): void {
    for (const slot of slots) this.buffers[slot].fill('\0').length = 0;
    this.operations.push({ op: 'wipe', slots: [...slots] });
  }

  pinComposition({ slot }: { slot: PinSlot }): PinComposition {
    const held = this.buffers[slot];
    return { hasLetter: held.some((c) => /[A-Z]/.test(c)), hasDigit: held.some((c) => /[0-9]/.test(c)) };
  }

  /** What a buffer holds now. */
  read(slot: PinSlot): string {
    return this.buffers[slot].join('');
  }

  /** True when no buffer holds anything. */
  get empty(): boolean {
    return this.read('current') === '' && this.read('new') === '' && this.read('confirm') === '';
  }

  /** True when `slot` was wiped since operation number `since`. */
  wipedSince(slot: PinSlot, since: number): boolean {
    return this.operations
      .slice(since)
      .some((operation) => operation.op === 'wipe' && operation.slots.includes(slot));
  }
}
