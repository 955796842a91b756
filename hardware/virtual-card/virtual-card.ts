import { constants, privateEncrypt, randomBytes, timingSafeEqual } from 'node:crypto';
import { type ParsedCommandApdu, parseCommand } from '../apdu/command-apdu';
import { encodeResponse } from '../apdu/response-apdu';
import { Sw, wrongPinSw } from '../apdu/status-words';
import { JPKI_AID, PIN_FILES, type PinKind, RESET_FAILURE_LIMIT } from '../jpki/constants';
import { isValidPinFormat } from '../jpki/pin-format';
import { resetCryptogram } from '../jpki/reset-crypto';
import type { CardFile, JpkiApplicationState, PinState } from './card-file';
import { CardFileSync } from './card-file-sync';
import { buildFileSystem, type CardFileEntry } from './card-filesystem';
import type { SmartCard } from './smart-card';

/**
 * A virtual My Number Card: the JPKI application of ../shared/jpki-card.md, byte for byte, plus the
 * reset commands of DESIGN §3. Its persistent state (PIN values, counters, reset failures) is a
 * `CardFile`; every change is handed to `onChange` before the card answers, so a crash never
 * forgets a used try. `process` never throws: every fault is an ISO status word.
 */

export interface VirtualCardOptions {
  /** Called with the new state after every persistent change; throwing makes the card answer `65 81`. */
  onChange?: (card: CardFile) => void;
  /** Source of GET CHALLENGE bytes (injectable for tests). */
  random?: (length: number) => Uint8Array;
  /** Asked before every command: a newer state written by someone else, if any (see `fromFile`). */
  refresh?: () => CardFile | undefined;
}

/** What a power cycle, reset or application SELECT forgets. */
interface Session {
  applicationSelected: boolean;
  file: number | undefined;
  verified: Set<PinKind>;
  /** The challenge of the last GET CHALLENGE, bound to the PIN file selected then; one-shot. */
  challenge: { fid: number; bytes: Uint8Array } | undefined;
  /** The PIN file a correct EXTERNAL AUTHENTICATE authorised RESET RETRY COUNTER for. */
  resetAuthorisedFor: number | undefined;
}

type Outcome = number | { sw: number; data: Uint8Array };

const CLA_ISO = 0x00;
const CLA_PROPRIETARY = 0x80;
const CHALLENGE_LENGTH = 8;
const CRYPTOGRAM_LENGTH = 16;
const SIGNATURE_LENGTH = 256;
/** PKCS#1 v1.5 needs 11 bytes of padding in a 2048-bit block. */
const MAX_DIGEST_INFO_LENGTH = SIGNATURE_LENGTH - 11;

function freshSession(): Session {
  return {
    applicationSelected: false,
    file: undefined,
    verified: new Set(),
    challenge: undefined,
    resetAuthorisedFor: undefined,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class VirtualCard implements SmartCard {
  readonly atr: Uint8Array;
  private card: CardFile;
  private files: Map<number, CardFileEntry> | undefined;
  private session: Session = freshSession();
  private readonly onChange: ((card: CardFile) => void) | undefined;
  private readonly random: (length: number) => Uint8Array;
  private readonly refresh: (() => CardFile | undefined) | undefined;

  private readonly handlers: Record<number, { cla: number; handle: (c: ParsedCommandApdu) => Outcome }> = {
    0xa4: { cla: CLA_ISO, handle: (c) => this.select(c) },
    0xb0: { cla: CLA_ISO, handle: (c) => this.readBinary(c) },
    0x20: { cla: CLA_ISO, handle: (c) => this.verify(c) },
    0x24: { cla: CLA_ISO, handle: (c) => this.changeReferenceData(c) },
    0x84: { cla: CLA_ISO, handle: (c) => this.getChallenge(c) },
    0x82: { cla: CLA_ISO, handle: (c) => this.externalAuthenticate(c) },
    0x2c: { cla: CLA_ISO, handle: (c) => this.resetRetryCounter(c) },
    0x2a: { cla: CLA_PROPRIETARY, handle: (c) => this.computeDigitalSignature(c) },
  };

  constructor(card: CardFile, options: VirtualCardOptions = {}) {
    this.card = structuredClone(card);
    this.atr = Uint8Array.from(Buffer.from(card.atr, 'hex'));
    this.files = card.jpki ? buildFileSystem(card.jpki) : undefined;
    this.onChange = options.onChange;
    this.random = options.random ?? ((length) => new Uint8Array(randomBytes(length)));
    this.refresh = options.refresh;
  }

  /**
   * A card backed by its file: every change of counters, PINs or reset failures is saved at once
   * (atomically), and changes another process wrote to the file are picked up before the next command.
   */
  static fromFile(path: string, options: Pick<VirtualCardOptions, 'random'> = {}): VirtualCard {
    const sync = new CardFileSync(path);
    return new VirtualCard(sync.load(), {
      ...options,
      onChange: (card) => sync.save(card),
      refresh: () => sync.changedElsewhere(),
    });
  }

  /** A copy of the card's persistent state. */
  get state(): CardFile {
    return structuredClone(this.card);
  }

  powerOn(): void {
    this.session = freshSession();
  }

  powerOff(): void {
    this.session = freshSession();
  }

  reset(): void {
    this.session = freshSession();
  }

  process(command: Uint8Array): Uint8Array {
    try {
      const newer = this.refresh?.();
      if (newer) this.adopt(newer);
      const outcome = this.dispatch(command);
      return typeof outcome === 'number' ? encodeResponse(outcome) : encodeResponse(outcome.sw, outcome.data);
    } catch {
      // A card always answers; a bug here must not take the reader down with it.
      return encodeResponse(Sw.noPreciseDiagnosis);
    }
  }

  private dispatch(bytes: Uint8Array): Outcome {
    if (bytes.length < 4) return Sw.wrongLength;
    const cla = bytes[0] as number;
    const ins = bytes[1] as number;
    if (cla !== CLA_ISO && cla !== CLA_PROPRIETARY) return Sw.claNotSupported;
    const handler = this.handlers[ins];
    if (!handler) return Sw.insNotSupported;
    if (handler.cla !== cla) return Sw.claNotSupported;
    const parsed = parseCommand(bytes);
    if (!parsed.ok) return parsed.sw;
    return handler.handle(parsed.command);
  }

  // --- SELECT ---------------------------------------------------------------------------------

  private select(c: ParsedCommandApdu): Outcome {
    if (c.p1 === 0x04) return this.selectApplication(c);
    if (c.p1 !== 0x02 || c.p2 !== 0x0c) return Sw.wrongP1P2;
    if (c.data.length !== 2) return Sw.wrongLength;
    if (!this.session.applicationSelected) return Sw.fileNotFound;
    const fid = ((c.data[0] as number) << 8) | (c.data[1] as number);
    if (!this.files?.has(fid)) return Sw.fileNotFound;
    // Selecting any file ends a reset in progress: the challenge and authorisation are bound to the old one.
    this.session.file = fid;
    this.session.challenge = undefined;
    this.session.resetAuthorisedFor = undefined;
    return Sw.success;
  }

  private selectApplication(c: ParsedCommandApdu): Outcome {
    if (c.data.length === 0) return Sw.wrongLength;
    // Other applications are absent whatever P2 asks for (other drivers probe with P2=00).
    if (!this.card.jpki || !sameBytes(c.data, JPKI_AID)) return Sw.fileNotFound;
    if (c.p2 !== 0x0c) return Sw.wrongP1P2;
    this.session = freshSession();
    this.session.applicationSelected = true;
    return Sw.success;
  }

  // --- READ BINARY ----------------------------------------------------------------------------

  private readBinary(c: ParsedCommandApdu): Outcome {
    // P1 bit 8 would name a short EF identifier, which this card does not support.
    if (c.p1 & 0x80) return Sw.wrongP1P2;
    if (c.data.length > 0 || c.le === undefined) return Sw.wrongLength;
    const entry = this.currentFile();
    if (entry?.type !== 'binary') return Sw.commandNotAllowed;
    if (entry.readNeeds && !this.session.verified.has(entry.readNeeds)) return Sw.securityStatusNotSatisfied;
    const offset = (c.p1 << 8) | c.p2;
    if (offset >= entry.content.length) return Sw.wrongOffset;
    return { sw: Sw.success, data: entry.content.slice(offset, offset + c.le) };
  }

  // --- PINs -----------------------------------------------------------------------------------

  private verify(c: ParsedCommandApdu): Outcome {
    if (c.p1 !== 0x00 || c.p2 !== 0x80) return Sw.wrongP1P2;
    if (c.le !== undefined) return Sw.wrongLength;
    const target = this.currentPin();
    if (!target) return Sw.commandNotAllowed;
    const { kind, pin } = target;
    if (pin.triesLeft === 0) return Sw.pinBlocked;
    // An empty VERIFY only asks for the counter, and uses no try, even after a successful VERIFY.
    if (c.data.length === 0) return wrongPinSw(pin.triesLeft);

    if (sameBytes(c.data, Buffer.from(pin.value, 'latin1'))) {
      if (
        pin.triesLeft !== pin.maxTries &&
        !this.commit((app) => (pinOf(app, kind).triesLeft = pin.maxTries))
      ) {
        return Sw.memoryFailure;
      }
      this.session.verified.add(kind);
      return Sw.success;
    }
    this.session.verified.delete(kind);
    const triesLeft = pin.triesLeft - 1;
    if (!this.commit((app) => (pinOf(app, kind).triesLeft = triesLeft))) return Sw.memoryFailure;
    // The attempt that uses the last try answers 63 C0; every VERIFY after it answers 69 84.
    return wrongPinSw(triesLeft);
  }

  private changeReferenceData(c: ParsedCommandApdu): Outcome {
    if (c.p1 !== 0x01 || c.p2 !== 0x80) return Sw.wrongP1P2;
    if (c.data.length === 0 || c.le !== undefined) return Sw.wrongLength;
    const target = this.currentPin();
    if (!target) return Sw.commandNotAllowed;
    if (target.pin.triesLeft === 0) return Sw.pinBlocked;
    if (!this.session.verified.has(target.kind)) return Sw.securityStatusNotSatisfied;
    const newPin = Buffer.from(c.data).toString('latin1');
    if (!isValidPinFormat(target.kind, newPin)) return Sw.wrongData;
    if (!this.commit((app) => (pinOf(app, target.kind).value = newPin))) return Sw.memoryFailure;
    return Sw.success;
  }

  // --- Reset (DESIGN §3) ------------------------------------------------------------------------

  private getChallenge(c: ParsedCommandApdu): Outcome {
    if (c.p1 !== 0x00 || c.p2 !== 0x00) return Sw.wrongP1P2;
    if (c.data.length > 0 || c.le !== CHALLENGE_LENGTH) return Sw.wrongLength;
    const target = this.currentPin();
    if (!target) return Sw.conditionsNotSatisfied;
    if (this.resetBlocked()) return Sw.resetBlocked;
    const bytes = Uint8Array.from(this.random(CHALLENGE_LENGTH));
    if (bytes.length !== CHALLENGE_LENGTH) return Sw.noPreciseDiagnosis;
    // A new challenge starts a new authentication: an earlier authorisation no longer stands.
    this.session.challenge = { fid: target.fid, bytes };
    this.session.resetAuthorisedFor = undefined;
    return { sw: Sw.success, data: bytes.slice() };
  }

  private externalAuthenticate(c: ParsedCommandApdu): Outcome {
    if (c.p1 !== 0x00 || c.p2 !== 0x00) return Sw.wrongP1P2;
    if (c.data.length !== CRYPTOGRAM_LENGTH || c.le !== undefined) return Sw.wrongLength;
    const app = this.card.jpki;
    if (!app || !this.session.applicationSelected) return Sw.conditionsNotSatisfied;
    if (this.resetBlocked()) return Sw.resetBlocked;
    const challenge = this.session.challenge;
    if (!challenge || challenge.fid !== this.session.file) return Sw.conditionsNotSatisfied;
    this.session.challenge = undefined;

    const expected = resetCryptogram(Buffer.from(app.resetKey, 'hex'), challenge.fid, challenge.bytes);
    if (sameBytes(c.data, expected)) {
      if (app.resetFailures !== 0 && !this.commit((next) => (next.resetFailures = 0)))
        return Sw.memoryFailure;
      this.session.resetAuthorisedFor = challenge.fid;
      return Sw.success;
    }
    const failures = app.resetFailures + 1;
    if (!this.commit((next) => (next.resetFailures = failures))) return Sw.memoryFailure;
    // The wrong cryptogram that reaches the limit already answers "blocked".
    return failures >= RESET_FAILURE_LIMIT ? Sw.resetBlocked : Sw.resetRefused;
  }

  private resetRetryCounter(c: ParsedCommandApdu): Outcome {
    if (c.p1 !== 0x02 || c.p2 !== 0x80) return Sw.wrongP1P2;
    if (c.data.length === 0 || c.le !== undefined) return Sw.wrongLength;
    const target = this.currentPin();
    if (!target) return Sw.commandNotAllowed;
    if (this.session.resetAuthorisedFor !== target.fid) return Sw.securityStatusNotSatisfied;
    const newPin = Buffer.from(c.data).toString('latin1');
    if (!isValidPinFormat(target.kind, newPin)) return Sw.wrongData;
    const saved = this.commit((app) => {
      const pin = pinOf(app, target.kind);
      pin.value = newPin;
      pin.triesLeft = pin.maxTries;
    });
    if (!saved) return Sw.memoryFailure;
    this.session.resetAuthorisedFor = undefined;
    this.session.verified.delete(target.kind);
    return Sw.success;
  }

  // --- COMPUTE DIGITAL SIGNATURE ---------------------------------------------------------------

  private computeDigitalSignature(c: ParsedCommandApdu): Outcome {
    if (c.p1 !== 0x00 || c.p2 !== 0x80) return Sw.wrongP1P2;
    if (c.data.length === 0 || c.data.length > MAX_DIGEST_INFO_LENGTH) return Sw.wrongLength;
    if (c.le === undefined || c.le < SIGNATURE_LENGTH) return Sw.wrongLength;
    const entry = this.currentFile();
    if (entry?.type !== 'key') return Sw.commandNotAllowed;
    if (!this.session.verified.has(entry.pin)) return Sw.securityStatusNotSatisfied;
    // The card pads what it is given (a DigestInfo) with PKCS#1 v1.5 type 1 and applies the key.
    const signature = privateEncrypt({ key: entry.key, padding: constants.RSA_PKCS1_PADDING }, c.data);
    return { sw: Sw.success, data: new Uint8Array(signature) };
  }

  // --- helpers ----------------------------------------------------------------------------------

  private currentFile(): CardFileEntry | undefined {
    const { applicationSelected, file } = this.session;
    return applicationSelected && file !== undefined ? this.files?.get(file) : undefined;
  }

  private currentPin(): { kind: PinKind; fid: number; pin: PinState } | undefined {
    const entry = this.currentFile();
    const app = this.card.jpki;
    if (entry?.type !== 'pin' || !app) return undefined;
    return { kind: entry.pin, fid: PIN_FILES[entry.pin].fid, pin: pinOf(app, entry.pin) };
  }

  private resetBlocked(): boolean {
    return (this.card.jpki?.resetFailures ?? 0) >= RESET_FAILURE_LIMIT;
  }

  /**
   * Takes over a state written elsewhere. Counters only: the session stays. Other content (a card
   * re-issued to the same file): it is another card, so the session starts afresh.
   */
  private adopt(newer: CardFile): void {
    if (JSON.stringify(fixedContent(newer)) !== JSON.stringify(fixedContent(this.card))) {
      // Build first: a file with a broken key must not leave a half-adopted card behind.
      this.files = newer.jpki ? buildFileSystem(newer.jpki) : undefined;
      this.session = freshSession();
    }
    this.card = structuredClone(newer);
  }

  /** Applies a change to a copy of the state, persists it, and only then adopts it. */
  private commit(change: (app: JpkiApplicationState) => void): boolean {
    const next = structuredClone(this.card);
    if (!next.jpki) return false;
    change(next.jpki);
    try {
      this.onChange?.(structuredClone(next));
    } catch {
      return false;
    }
    this.card = next;
    return true;
  }
}

/** What the file system is built from (everything but PINs, counters and reset failures). */
function fixedContent(card: CardFile): unknown {
  if (!card.jpki) return undefined;
  const { authPin: _a, signPin: _s, resetFailures: _r, ...fixed } = card.jpki;
  return fixed;
}

function pinOf(app: JpkiApplicationState, kind: PinKind): PinState {
  return kind === 'auth' ? app.authPin : app.signPin;
}
