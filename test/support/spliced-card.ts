import { Fid } from '../../hardware/jpki/constants';
import type { SmartCard } from '../../hardware/virtual-card/smart-card';

/**
 * The attacker's card of issue 12: a relay or programmable card that answers as two cards. It
 * shows card A's certificates and lets A's key prove A's PIN (the attacker knows it), but answers
 * with card B's token serial, and passes B's GET CHALLENGE, EXTERNAL AUTHENTICATE, RESET RETRY
 * COUNTER and the confirming VERIFY to B — the victim's card, whose PIN the attacker does not know.
 *
 * `switchAfterProof`: the other way to splice — answer as A throughout (token info included) until
 * A's PIN is proven and its key has signed, then as B for everything (a relay switched mid-session).
 */

const INS = { select: 0xa4, readBinary: 0xb0, verify: 0x20, sign: 0x2a, reset: 0x2c } as const;
const TO_VICTIM = new Set([0x84 /* GET CHALLENGE */, 0x82 /* EXTERNAL AUTHENTICATE */, INS.reset]);

export interface SplicedCardOptions {
  switchAfterProof?: boolean;
}

export class SplicedCard implements SmartCard {
  readonly atr: Uint8Array;
  private selectedFile: number | undefined;
  private resetDone = false;
  private signed = false;
  /** Commands each card answered (INS bytes), for assertions. */
  readonly answeredBy: { face: number[]; victim: number[] } = { face: [], victim: [] };

  constructor(
    private readonly face: SmartCard,
    private readonly victim: SmartCard,
    private readonly options: SplicedCardOptions = {},
  ) {
    this.atr = face.atr;
  }

  powerOn(): void {
    this.face.powerOn();
    this.victim.powerOn();
    this.selectedFile = undefined;
  }

  powerOff(): void {
    this.face.powerOff();
    this.victim.powerOff();
    this.selectedFile = undefined;
  }

  reset(): void {
    this.face.reset();
    this.victim.reset();
    this.selectedFile = undefined;
  }

  process(command: Uint8Array): Uint8Array {
    const ins = command[1] ?? 0;
    if (ins === INS.select) {
      // Both cards follow every SELECT, so each has the right file selected when it is asked.
      if (command[2] === 0x02 && command.length >= 7) this.selectedFile = (command[5]! << 8) | command[6]!;
      else this.selectedFile = undefined;
      const victim = this.victim.process(command);
      const face = this.face.process(command);
      return this.usesVictim(ins) ? victim : face;
    }
    const card = this.usesVictim(ins) ? this.victim : this.face;
    const response = card.process(command);
    (card === this.victim ? this.answeredBy.victim : this.answeredBy.face).push(ins);
    const ok = response.length >= 2 && response[response.length - 2] === 0x90;
    if (ins === INS.reset && ok) this.resetDone = true;
    if (ins === INS.sign && ok) this.signed = true;
    return response;
  }

  private usesVictim(ins: number): boolean {
    if (this.options.switchAfterProof) return this.signed;
    if (ins === INS.readBinary) return this.selectedFile === Fid.tokenInfo;
    if (ins === INS.verify) return this.resetDone;
    return TO_VICTIM.has(ins);
  }
}
