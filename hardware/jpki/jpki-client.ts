import { X509Certificate } from 'node:crypto';
import { ApduChannel, type ApduChannelOptions } from '../apdu/apdu-channel';
import type { CommandApdu } from '../apdu/command-apdu';
import type { ResponseApdu } from '../apdu/response-apdu';
import { cardErrorFromSw, Sw, triesLeftFromSw } from '../apdu/status-words';
import { CardError } from '../card-error';
import type { CardTransport } from '../transport/card-transport';
import {
  Fid,
  JPKI_AID,
  PIN_FILES,
  type PinKind,
  SHA256_DIGEST_INFO_PREFIX,
  TOKEN_INFO_LENGTH,
} from './constants';
import { derSequenceLength } from './der-length';
import { decodeTokenInfo, type TokenInfo } from './token-info';

/**
 * The JPKI card client: exactly the commands the kiosk and phone flows need, over any
 * `CardTransport`. Every status word the flow does not expect becomes a `CardError`; every transmit
 * has a deadline and honours the AbortSignal. See docs/card-layer.md for the read strategy and the
 * APDU count of each operation.
 */

export type CertificateKind = 'auth' | 'auth-ca' | 'sign' | 'sign-ca';

/** The elementary file of each certificate. */
export const CERTIFICATE_FILES: Record<CertificateKind, number> = {
  auth: Fid.authCertificate,
  'auth-ca': Fid.authCaCertificate,
  sign: Fid.signCertificate,
  'sign-ca': Fid.signCaCertificate,
};

/** The private-key file each PIN unlocks. */
export const KEY_FILES: Record<PinKind, number> = { auth: Fid.authKey, sign: Fid.signKey };

export interface PinStatus {
  triesLeft: number;
  blocked: boolean;
}

export interface JpkiClientOptions extends ApduChannelOptions {
  /**
   * Read certificates with one extended-length READ BINARY after the first short one (2 reads
   * instead of up to 7). Off by default: not every reader passes extended APDUs.
   */
  extendedLength?: boolean;
}

export { type TokenInfo } from './token-info';
export { DEFAULT_TIMEOUT_MS } from '../apdu/apdu-channel';

const SHORT_READ_MAX = 256;
const SIGNATURE_LENGTH = 256;
const CHALLENGE_LENGTH = 8;
const CRYPTOGRAM_LENGTH = 16;
const SHA256_LENGTH = 32;
const PIN_MAX_LENGTH = 16;

const Ins = {
  select: 0xa4,
  readBinary: 0xb0,
  verify: 0x20,
  changeReferenceData: 0x24,
  resetRetryCounter: 0x2c,
  getChallenge: 0x84,
  externalAuthenticate: 0x82,
  computeDigitalSignature: 0x2a,
} as const;

/**
 * What this client believes is selected on the card. Used to skip redundant SELECTs; forgotten
 * after any transport fault or malformed answer (the card's state is then unknown, and re-selecting
 * the application — which clears verified PINs on the card — is the safe direction).
 */
interface Selection {
  application: boolean;
  file: number | undefined;
}

export class JpkiClient {
  private selection: Selection = { application: false, file: undefined };
  private channel: ApduChannel;
  private readonly extendedLength: boolean;

  constructor(
    private readonly transport: CardTransport,
    private readonly options: JpkiClientOptions = {},
  ) {
    this.channel = new ApduChannel(transport, options);
    this.extendedLength = options.extendedLength ?? false;
  }

  /** The same card session (selection state shared) with another AbortSignal, e.g. one per state-machine actor. */
  withSignal(signal: AbortSignal | undefined): JpkiClient {
    const client = new JpkiClient(this.transport, this.options);
    client.channel = this.channel.withSignal(signal);
    client.selection = this.selection;
    return client;
  }

  /** SELECTs the JPKI application (always sent; clears verified PINs on the card). Refused → `not-jpki`. */
  async selectApplication(): Promise<void> {
    this.forgetSelection();
    const response = await this.exchange({ cla: 0x00, ins: Ins.select, p1: 0x04, p2: 0x0c, data: JPKI_AID });
    if (response.sw !== Sw.success) {
      throw new CardError('not-jpki', 'the card has no JPKI application', { sw: response.sw });
    }
    this.selection.application = true;
  }

  /** Reads the token-info file: label and the 16-character serial (untrimmed). */
  async readTokenInfo(): Promise<TokenInfo> {
    await this.selectFile(Fid.tokenInfo);
    const data = await this.readBinary(0, TOKEN_INFO_LENGTH, 'read token info');
    return decodeTokenInfo(data);
  }

  /** Reads a certificate's DER, its length taken from the DER header (filler ignored). */
  async readCertificate(kind: CertificateKind): Promise<Uint8Array> {
    const operation = `read ${kind} certificate`;
    await this.selectFile(CERTIFICATE_FILES[kind]);
    // The first read brings the header and as much of the body as a short Le allows.
    const first = await this.readBinary(0, SHORT_READ_MAX, operation);
    const total = derSequenceLength(first);
    const der = new Uint8Array(total);
    let have = Math.min(first.length, total);
    der.set(first.subarray(0, have));
    while (have < total) {
      const wanted = this.extendedLength ? total - have : Math.min(SHORT_READ_MAX, total - have);
      const chunk = await this.readBinary(have, wanted, operation);
      if (chunk.length === 0) {
        throw new CardError('malformed-response', `${operation}: empty READ BINARY answer at offset ${have}`);
      }
      const useful = chunk.subarray(0, total - have);
      der.set(useful, have);
      have += useful.length;
    }
    assertCertificate(der, operation);
    return der;
  }

  /** Tries left of a PIN, by an empty VERIFY (uses no try). */
  async pinStatus(kind: PinKind): Promise<PinStatus> {
    await this.selectFile(PIN_FILES[kind].fid);
    const { sw } = await this.exchange({ cla: 0x00, ins: Ins.verify, p1: 0x00, p2: 0x80 });
    if (sw === Sw.pinBlocked) return { triesLeft: 0, blocked: true };
    const triesLeft = triesLeftFromSw(sw);
    if (triesLeft === undefined) throw cardErrorFromSw(sw, `${kind} PIN status`);
    return { triesLeft, blocked: triesLeft === 0 };
  }

  /** VERIFY; wrong → `wrong-pin` (with triesLeft), blocked → `pin-blocked`. The caller wipes `pin`. */
  async verifyPin(kind: PinKind, pin: Uint8Array): Promise<void> {
    assertPinLength(pin);
    await this.selectFile(PIN_FILES[kind].fid);
    const { sw } = await this.exchange({ cla: 0x00, ins: Ins.verify, p1: 0x00, p2: 0x80, data: pin });
    if (sw !== Sw.success) throw cardErrorFromSw(sw, `verify ${kind} PIN`);
  }

  /** Signs a SHA-256 digest (PKCS#1 v1.5 over its DigestInfo) with the key the PIN unlocked. */
  async sign(kind: PinKind, sha256Digest: Uint8Array): Promise<Uint8Array> {
    if (sha256Digest.length !== SHA256_LENGTH) {
      throw new RangeError(`sign needs a ${SHA256_LENGTH}-byte SHA-256 digest, got ${sha256Digest.length}`);
    }
    const digestInfo = new Uint8Array(SHA256_DIGEST_INFO_PREFIX.length + SHA256_LENGTH);
    digestInfo.set(SHA256_DIGEST_INFO_PREFIX);
    digestInfo.set(sha256Digest, SHA256_DIGEST_INFO_PREFIX.length);
    await this.selectFile(KEY_FILES[kind]);
    const { sw, data } = await this.exchange({
      cla: 0x80,
      ins: Ins.computeDigitalSignature,
      p1: 0x00,
      p2: 0x80,
      data: digestInfo,
      le: SIGNATURE_LENGTH,
    });
    if (sw !== Sw.success) throw cardErrorFromSw(sw, `sign with ${kind} key`);
    if (data.length !== SIGNATURE_LENGTH) {
      throw new CardError(
        'malformed-response',
        `signature of ${data.length} bytes, expected ${SIGNATURE_LENGTH}`,
      );
    }
    return data;
  }

  /** Starts a reset: selects the PIN file and returns the card's 8-byte challenge. */
  async beginReset(kind: PinKind): Promise<Uint8Array> {
    await this.selectFile(PIN_FILES[kind].fid);
    const { sw, data } = await this.exchange({
      cla: 0x00,
      ins: Ins.getChallenge,
      p1: 0x00,
      p2: 0x00,
      le: CHALLENGE_LENGTH,
    });
    if (sw !== Sw.success) throw cardErrorFromSw(sw, `get challenge for ${kind} PIN reset`);
    if (data.length !== CHALLENGE_LENGTH) {
      throw new CardError(
        'malformed-response',
        `challenge of ${data.length} bytes, expected ${CHALLENGE_LENGTH}`,
      );
    }
    return data;
  }

  /** EXTERNAL AUTHENTICATE with the server's cryptogram; wrong → `reset-refused`, blocked → `reset-blocked`. */
  async authorizeReset(cryptogram: Uint8Array): Promise<void> {
    if (cryptogram.length !== CRYPTOGRAM_LENGTH) {
      throw new RangeError(
        `the reset cryptogram must be ${CRYPTOGRAM_LENGTH} bytes, got ${cryptogram.length}`,
      );
    }
    // No SELECT here: the card binds the challenge to the file selected when it was issued.
    const { sw } = await this.exchange({
      cla: 0x00,
      ins: Ins.externalAuthenticate,
      p1: 0x00,
      p2: 0x00,
      data: cryptogram,
    });
    if (sw !== Sw.success) throw cardErrorFromSw(sw, 'authorise PIN reset');
  }

  /**
   * RESET RETRY COUNTER on the PIN file `beginReset` selected, setting `newPin` and restoring its
   * counter. Never re-selects (that would clear the card's authorisation): if another file is now
   * selected, it refuses without sending the PIN. The caller wipes `newPin`.
   */
  async resetRetryCounter(kind: PinKind, newPin: Uint8Array): Promise<void> {
    assertPinLength(newPin);
    if (!this.selection.application || this.selection.file !== PIN_FILES[kind].fid) {
      throw new CardError(
        'security-status-not-satisfied',
        `reset of the ${kind} PIN is not authorised: its PIN file is no longer selected`,
      );
    }
    const { sw } = await this.exchange({
      cla: 0x00,
      ins: Ins.resetRetryCounter,
      p1: 0x02,
      p2: 0x80,
      data: newPin,
    });
    if (sw !== Sw.success) throw cardErrorFromSw(sw, `reset ${kind} PIN`);
  }

  /** CHANGE REFERENCE DATA after the old PIN was verified in this session. The caller wipes `newPin`. */
  async changePin(kind: PinKind, newPin: Uint8Array): Promise<void> {
    assertPinLength(newPin);
    // Selecting a PIN file keeps its verification (only SELECT of the application clears it).
    await this.selectFile(PIN_FILES[kind].fid);
    const { sw } = await this.exchange({
      cla: 0x00,
      ins: Ins.changeReferenceData,
      p1: 0x01,
      p2: 0x80,
      data: newPin,
    });
    if (sw !== Sw.success) throw cardErrorFromSw(sw, `change ${kind} PIN`);
  }

  /** Forgets what is selected, so the next operation SELECTs the application again. */
  forgetSelection(): void {
    this.selection.application = false;
    this.selection.file = undefined;
  }

  private async selectFile(fid: number): Promise<void> {
    if (!this.selection.application) await this.selectApplication();
    if (this.selection.file === fid) return;
    this.selection.file = undefined;
    const { sw } = await this.exchange({
      cla: 0x00,
      ins: Ins.select,
      p1: 0x02,
      p2: 0x0c,
      data: Uint8Array.from([fid >> 8, fid & 0xff]),
    });
    if (sw !== Sw.success) throw cardErrorFromSw(sw, `select file ${fid.toString(16).padStart(4, '0')}`);
    this.selection.file = fid;
  }

  private async readBinary(offset: number, ne: number, operation: string): Promise<Uint8Array> {
    const { sw, data } = await this.exchange({
      cla: 0x00,
      ins: Ins.readBinary,
      p1: (offset >> 8) & 0x7f,
      p2: offset & 0xff,
      le: ne,
    });
    if (sw === Sw.wrongOffset) {
      throw new CardError('malformed-response', `${operation}: the file ends before offset ${offset}`, {
        sw,
      });
    }
    if (sw !== Sw.success) throw cardErrorFromSw(sw, operation);
    return data;
  }

  /** One exchange; a fault leaves the card's state unknown, so the selection is forgotten. */
  private async exchange(command: CommandApdu): Promise<ResponseApdu> {
    try {
      return await this.channel.exchange(command);
    } catch (error) {
      this.forgetSelection();
      throw error;
    }
  }
}

function assertPinLength(pin: Uint8Array): void {
  // An empty VERIFY would be a status query, so an empty PIN must never reach the card.
  if (pin.length < 1 || pin.length > PIN_MAX_LENGTH) {
    throw new RangeError(`a PIN is 1–${PIN_MAX_LENGTH} bytes, got ${pin.length}`);
  }
}

function assertCertificate(der: Uint8Array, operation: string): void {
  try {
    new X509Certificate(der);
  } catch (error) {
    throw new CardError('malformed-response', `${operation}: not an X.509 certificate`, { cause: error });
  }
}
