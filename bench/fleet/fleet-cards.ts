import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import { openTestPki } from '../../hardware/pki/test-pki';
import { loadCardFile, saveCardFile } from '../../hardware/virtual-card/card-file';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';

/**
 * The customers' cards: virtual My Number Cards issued by the API's test PKI (its data directory
 * holds the CAs the API trusts), kept in memory and handed out one customer at a time. Each reset
 * sets the PIN back to the card's default (the demo cards' PINs), so a card is reusable forever
 * and nothing but the card knows it. Issued cards are kept under the fleet's data directory.
 */

export const CARD_PINS = DEFAULT_PINS;

export class CardPool {
  private readonly free: VirtualCard[];

  private constructor(cards: VirtualCard[]) {
    this.free = [...cards];
  }

  /** `count` cards: those already in `cardsDir`, then new ones issued (4 at a time: RSA keygen). */
  static async open(options: {
    count: number;
    cardsDir: string;
    apiDataDir: string;
    now: () => number;
    onProgress?: (issued: number, wanted: number) => void;
  }): Promise<CardPool> {
    mkdirSync(options.cardsDir, { recursive: true });
    const pathOf = (i: number) => join(options.cardsDir, `card-${i}.json`);
    const missing = Array.from({ length: options.count }, (_, i) => i).filter((i) => !existsSync(pathOf(i)));
    if (missing.length > 0) {
      const pki = await openTestPki({ dataDir: options.apiDataDir, now: options.now });
      let issued = options.count - missing.length;
      for (let start = 0; start < missing.length; start += 4) {
        await Promise.all(
          missing.slice(start, start + 4).map(async (i) => {
            saveCardFile(pathOf(i), await pki.issueCard({ persona: 'healthy' }));
            issued += 1;
          }),
        );
        options.onProgress?.(issued, options.count);
      }
    }
    return new CardPool(
      Array.from({ length: options.count }, (_, i) => new VirtualCard(loadCardFile(pathOf(i)))),
    );
  }

  /** A card no other customer holds, or undefined when all are in use. */
  take(): VirtualCard | undefined {
    return this.free.shift();
  }

  give(card: VirtualCard): void {
    this.free.push(card);
  }
}
