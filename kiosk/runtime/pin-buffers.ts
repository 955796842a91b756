import { inspect } from 'node:util';
import type { PinBufferActions, PinComposition, PinSlot } from '../../state-machines/session';
import { PIN_SLOTS } from '../../state-machines/session';

/** The longest PIN of any kind (signature PIN: 16 characters). */
export const PIN_BUFFER_CAPACITY = 16;

/** Characters a PIN may hold (already uppercased by the machine). */
const PIN_CHARACTER = /^[A-Z0-9]$/;

/** A PIN buffer refused a character (full, or not a PIN character). Carries no PIN data. */
export class PinBufferError extends Error {
  constructor(
    readonly slot: PinSlot,
    readonly reason: 'full' | 'not-a-pin-character',
  ) {
    super(`PIN buffer ${slot}: ${reason}`);
    this.name = 'PinBufferError';
  }
}

/** One fixed-size buffer: the bytes never move, so a wipe really overwrites them. */
class PinBuffer {
  private readonly bytes = new Uint8Array(PIN_BUFFER_CAPACITY);
  private used = 0;

  get length(): number {
    return this.used;
  }

  append(slot: PinSlot, character: string): void {
    if (!PIN_CHARACTER.test(character)) throw new PinBufferError(slot, 'not-a-pin-character');
    if (this.used === PIN_BUFFER_CAPACITY) throw new PinBufferError(slot, 'full');
    this.bytes[this.used] = character.charCodeAt(0);
    this.used += 1;
  }

  backspace(): void {
    if (this.used === 0) return;
    this.used -= 1;
    this.bytes[this.used] = 0;
  }

  wipe(): void {
    this.bytes.fill(0);
    this.used = 0;
  }

  /** A copy of the PIN bytes; the caller wipes it after use. */
  copy(): Uint8Array {
    return this.bytes.slice(0, this.used);
  }

  /** Byte at `index` (no copy). */
  at(index: number): number {
    return this.bytes[index] ?? 0;
  }
}

/**
 * The kiosk runtime's PIN buffers (`current`, `new`, `confirm`), implementing the session machine's
 * PIN actions. PINs live here as ASCII bytes only: never a string, never serialised, never logged
 * (toJSON / inspect / toString show nothing but lengths).
 */
export class PinBuffers implements PinBufferActions {
  private readonly buffers: Record<PinSlot, PinBuffer> = {
    current: new PinBuffer(),
    new: new PinBuffer(),
    confirm: new PinBuffer(),
  };

  /** Machine action: add one validated, uppercased character. */
  appendPinCharacter({ slot, character }: { slot: PinSlot; character: string }): void {
    this.buffers[slot].append(slot, character);
  }

  /** Machine action: backspace. */
  removeLastPinCharacter({ slot }: { slot: PinSlot }): void {
    this.buffers[slot].backspace();
  }

  /** Machine action: overwrite with zeros and forget. */
  wipePinBuffers({ slots }: { slots: readonly PinSlot[] }): void {
    for (const slot of slots) this.buffers[slot].wipe();
  }

  /** Characters held in `slot`. */
  length(slot: PinSlot): number {
    return this.buffers[slot].length;
  }

  /** Wipe every buffer (end of session, shutdown). */
  wipeAll(): void {
    this.wipePinBuffers({ slots: PIN_SLOTS });
  }

  /**
   * Run `use` with a copy of `slot`'s bytes and wipe the copy afterwards, whatever happens. The
   * buffer itself is left as is: the caller decides when to wipe it.
   */
  async withPin<T>(slot: PinSlot, use: (pin: Uint8Array) => Promise<T>): Promise<T> {
    const pin = this.buffers[slot].copy();
    try {
      return await use(pin);
    } finally {
      pin.fill(0);
    }
  }

  /** True when two buffers hold the same PIN (compared without early exit). */
  same(a: PinSlot, b: PinSlot): boolean {
    const left = this.buffers[a];
    const right = this.buffers[b];
    let difference = left.length ^ right.length;
    for (let index = 0; index < PIN_BUFFER_CAPACITY; index += 1) {
      difference |= left.at(index) ^ right.at(index);
    }
    return difference === 0;
  }

  /** Machine action: whether `slot` holds a letter and a digit (two booleans, for the rule feedback). */
  pinComposition({ slot }: { slot: PinSlot }): PinComposition {
    const buffer = this.buffers[slot];
    let hasLetter = false;
    let hasDigit = false;
    for (let index = 0; index < buffer.length; index += 1) {
      const byte = buffer.at(index);
      if (byte >= 0x41 && byte <= 0x5a) hasLetter = true;
      else if (byte >= 0x30 && byte <= 0x39) hasDigit = true;
    }
    return { hasLetter, hasDigit };
  }

  /** True when `slot` holds at least one letter and one digit (the signature PIN's mix rule). */
  mixesLettersAndDigits(slot: PinSlot): boolean {
    const { hasLetter, hasDigit } = this.pinComposition({ slot });
    return hasLetter && hasDigit;
  }

  /** Only lengths, so an accidental log line or JSON dump leaks nothing. */
  private describe(): string {
    const lengths = PIN_SLOTS.map((slot) => `${slot}:${this.length(slot)}`).join(' ');
    return `PinBuffers(${lengths})`;
  }

  toString(): string {
    return this.describe();
  }

  toJSON(): string {
    return this.describe();
  }

  [inspect.custom](): string {
    return this.describe();
  }
}
