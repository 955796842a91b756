import { JPKI_ATR } from '../../hardware/jpki/constants';
import type { VpcdCard } from '../../hardware/virtual-card/vpcd-bridge';

/** A card that answers its presence polls (ATR) but never answers a command: vpcd then hangs. */
export function muteCard(): VpcdCard & { commandsReceived: number } {
  const card = {
    atr: JPKI_ATR,
    commandsReceived: 0,
    powerOn() {},
    powerOff() {},
    reset() {},
    process(): Promise<Uint8Array> {
      card.commandsReceived += 1;
      return new Promise<Uint8Array>(() => {});
    },
  };
  return card;
}

/** A card that answers every command with 90 00. */
export function agreeableCard(): VpcdCard {
  return {
    atr: JPKI_ATR,
    powerOn() {},
    powerOff() {},
    reset() {},
    process: () => Uint8Array.from([0x90, 0x00]),
  };
}
