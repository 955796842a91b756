import { createPrivateKey, type KeyObject } from 'node:crypto';
import { Fid, type PinKind } from '../jpki/constants';
import { encodeTokenInfo } from '../jpki/token-info';
import type { JpkiApplicationState } from './card-file';

/**
 * The elementary files of the virtual JPKI application, built once from the card file (their
 * content never changes; PIN values and counters live in the card file's state).
 */
export type CardFileEntry =
  /** A transparent file; `readNeeds` names the PIN that must be verified to read it. */
  | { type: 'binary'; content: Uint8Array; readNeeds?: PinKind }
  /** A private key: never readable, signs once its PIN is verified. */
  | { type: 'key'; pin: PinKind; key: KeyObject }
  /** A PIN: the target of VERIFY, CHANGE REFERENCE DATA, GET CHALLENGE and RESET RETRY COUNTER. */
  | { type: 'pin'; pin: PinKind };

/** `0008`: both certificates present. */
const CERTIFICATE_PRESENCE = Uint8Array.from([0x8f, 0x8f, 0x00]);
const FILLER = 0xff;
/** Certificate files are sized in whole KiB with at least one filler byte after the DER. */
const CERTIFICATE_FILE_GRANULE = 1024;

/** A certificate file: the DER followed by FF filler, as on the real card. */
export function certificateFile(base64Der: string): Uint8Array {
  const der = Buffer.from(base64Der, 'base64');
  const size = Math.ceil((der.length + 1) / CERTIFICATE_FILE_GRANULE) * CERTIFICATE_FILE_GRANULE;
  const content = new Uint8Array(size).fill(FILLER);
  content.set(der);
  return content;
}

/** Builds the file table of a JPKI application. */
export function buildFileSystem(app: JpkiApplicationState): Map<number, CardFileEntry> {
  return new Map<number, CardFileEntry>([
    [Fid.tokenInfo, { type: 'binary', content: encodeTokenInfo(app) }],
    [Fid.certificatePresence, { type: 'binary', content: CERTIFICATE_PRESENCE }],
    [Fid.authCertificate, { type: 'binary', content: certificateFile(app.authCertificate) }],
    [Fid.authCaCertificate, { type: 'binary', content: certificateFile(app.authCaCertificate) }],
    [Fid.authKey, { type: 'key', pin: 'auth', key: createPrivateKey(app.authKeyPem) }],
    [Fid.authPin, { type: 'pin', pin: 'auth' }],
    [
      Fid.signCertificate,
      { type: 'binary', content: certificateFile(app.signCertificate), readNeeds: 'sign' },
    ],
    [Fid.signCaCertificate, { type: 'binary', content: certificateFile(app.signCaCertificate) }],
    [Fid.signKey, { type: 'key', pin: 'sign', key: createPrivateKey(app.signKeyPem) }],
    [Fid.signPin, { type: 'pin', pin: 'sign' }],
  ]);
}
