import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The API's pino logger. Request logs carry method, route URL, status and timing — never headers
 * or bodies — and redaction blanks the places a secret could appear if someone logged more: the
 * Authorization header (reservation and operator tokens), kiosk signatures, and any field named
 * like a PIN, token, nonce, certificate or signature.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.signature',
  'req.headers["signature-input"]',
  'req.headers["content-digest"]',
  'req.body',
  'res.body',
  '*.pin',
  '*.newPin',
  '*.token',
  '*.reservationToken',
  '*.nonce',
  '*.authCertificate',
  '*.certificate',
  '*.signature',
  '*.faceAttestation',
  '*.cryptogram',
  '*.cardChallenge',
  '*.privateKeyPem',
];

export interface ApiLoggerOptions {
  level?: string;
  /** Where lines go (stdout by default); tests capture them. */
  destination?: DestinationStream;
}

export function createApiLogger(options: ApiLoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'reservation-api' },
    },
    options.destination ?? pino.destination(1),
  );
}
