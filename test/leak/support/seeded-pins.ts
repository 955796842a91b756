import { createHash } from 'node:crypto';

/**
 * Random PINs from a seed (SHA-256 in counter mode), so a failing run can be replayed. Every PIN is
 * unique in a run, and chosen so that finding it in innocent data by accident is rare:
 *
 * - 4-digit PINs start with 0 (0001–0999). Numbers that programs write on their own — content
 *   lengths, ports, years, counters, epoch times, durations — never start with a 0 when they stand
 *   alone, so a delimited `0xyz` in a log, a database or HTTP traffic is a PIN, not a coincidence.
 * - Signature PINs are 12–16 characters of A–Z and 0–9 with both letters and digits: 36^12 values.
 */
export class SeededPins {
  private counter = 0;
  private readonly used = new Set<string>();

  constructor(private readonly seed: string) {}

  /** A uniform integer in [0, bound). */
  private next(bound: number): number {
    const digest = createHash('sha256')
      .update(`${this.seed}:${(this.counter += 1)}`)
      .digest();
    return digest.readUInt32BE(0) % bound;
  }

  private unique(make: () => string): string {
    for (;;) {
      const pin = make();
      if (!this.used.has(pin)) {
        this.used.add(pin);
        return pin;
      }
    }
  }

  /** A 4-digit user-authentication PIN, 0001–0999. */
  auth(): string {
    return this.unique(() => String(1 + this.next(999)).padStart(4, '0'));
  }

  /** A 12–16 character signature PIN mixing letters and digits (the kiosk's rule). */
  sign(): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    return this.unique(() => {
      for (;;) {
        const length = 12 + this.next(5);
        const pin = Array.from({ length }, () => alphabet[this.next(alphabet.length)]).join('');
        if (/[A-Z]/.test(pin) && /[0-9]/.test(pin)) return pin;
      }
    });
  }

  /** Every PIN handed out so far. */
  all(): string[] {
    return [...this.used];
  }
}
