import { openSync } from 'node:fs';
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
    options.destination ?? bufferedLogDestination(1),
  );
}

/** How often buffered log lines are written out at the latest. */
export const LOG_FLUSH_MS = 250;

/**
 * Where the API's lines go (a file descriptor or a path): written in batches of at least 4 KB, and
 * at least every LOG_FLUSH_MS, instead of one write per line — the write per request line was
 * ~5% of the API's CPU under load. Lines are flushed on exit (pino's exit hook, also after
 * process.exit); only a kill -9 or a power cut loses the last LOG_FLUSH_MS of them.
 */
export function bufferedLogDestination(dest: number | string): ReturnType<typeof pino.destination> {
  // A path is opened here, synchronously: pino's exit hook cannot flush into a file still opening.
  const fd = typeof dest === 'string' ? openSync(dest, 'a') : dest;
  const stream = pino.destination({ dest: fd, minLength: 4096, sync: false });
  const timer = setInterval(() => {
    try {
      stream.flush();
    } catch {
      // Destroyed (the process is closing it): nothing left to write.
      clearInterval(timer);
    }
  }, LOG_FLUSH_MS);
  timer.unref();
  stream.on('close', () => clearInterval(timer));
  return stream;
}
