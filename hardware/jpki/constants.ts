/** Byte-level facts of the JPKI application (see ../shared/jpki-card.md). */

export const JPKI_ATR = Uint8Array.from([0x3b, 0xe0, 0x00, 0xff, 0x81, 0x31, 0xfe, 0x45, 0x14]);
export const JPKI_AID = Uint8Array.from([0xd3, 0x92, 0xf0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]);

/** Elementary files inside the JPKI application, by 2-byte FID. */
export const Fid = {
  tokenInfo: 0x0006,
  certificatePresence: 0x0008,
  authCertificate: 0x000a,
  authCaCertificate: 0x000b,
  authKey: 0x0017,
  authPin: 0x0018,
  signCertificate: 0x0001,
  signCaCertificate: 0x0002,
  signKey: 0x001a,
  signPin: 0x001b,
} as const;
export type Fid = (typeof Fid)[keyof typeof Fid];

export type PinKind = 'auth' | 'sign';

/** The PIN file of each PIN, and its try counter's maximum. */
export const PIN_FILES: Record<PinKind, { fid: number; maxTries: number }> = {
  auth: { fid: Fid.authPin, maxTries: 3 },
  sign: { fid: Fid.signPin, maxTries: 5 },
};

export const TOKEN_INFO_LENGTH = 160;
/** PKCS#11 CK_TOKEN_INFO layout: serialNumber occupies bytes 80–95. */
export const TOKEN_SERIAL_OFFSET = 80;
export const TOKEN_SERIAL_LENGTH = 16;

/** Consecutive wrong reset cryptograms after which the card blocks its reset feature. */
export const RESET_FAILURE_LIMIT = 15;

/** ASN.1 DigestInfo prefix for SHA-256; the card applies PKCS#1 v1.5 padding to prefix ‖ hash. */
export const SHA256_DIGEST_INFO_PREFIX = Uint8Array.from([
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
  0x20,
]);
