import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CardError } from '../../hardware/card-error';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import { formatJapanTime, msSinceJapanMidnight } from '../../state-machines/time/service-window';
import { PROCEDURES, type Procedure, provenPinOf, type ReservationView } from '../contract';
import { loadDevFaceSigningKey } from '../server/face-provider-keys';
import { PhoneApiClient, PhoneApiError } from './phone-api-client';
import { PhoneStepError, reserveWithCard } from './reserve-with-card';

/**
 * The phone simulator's commands: step 1 as the JPKI PIN-reset app does it, on a virtual card file.
 *
 *   npm run phone -- reserve --card FILE --pin PIN --procedure signature-pin|auth-pin --api URL [--data DIR] [--json]
 *   npm run phone -- status --reservation ID --token TOKEN --api URL [--json]
 *   npm run phone -- cancel --reservation ID --token TOKEN --api URL [--json]
 *
 * `--pin` is the PIN the procedure proves: the 4-digit PIN for signature-pin, the signature PIN for
 * auth-pin. A wrong one uses a try on the card, as in the real app. The face-match attestation is
 * signed with the dev provider key from the data directory (created by the API's first start).
 */

export const PHONE_USAGE = `usage:
  npm run phone -- reserve --card FILE --pin PIN --procedure signature-pin|auth-pin --api URL [--data DIR] [--json]
        [--face-score 0.97] [--face-mismatch] [--no-liveness]
  npm run phone -- status --reservation ID --token TOKEN --api URL [--json]
  npm run phone -- cancel --reservation ID --token TOKEN --api URL [--json]

  --pin is the PIN you prove: the 4-digit PIN to reset the signature PIN (signature-pin),
  the signature PIN to reset the 4-digit PIN (auth-pin). A wrong PIN uses a try on the card.`;

class UsageError extends Error {}

/** Where a command writes, and the clock it uses (the attestation's iat). */
export interface PhoneCommandContext {
  out(line: string): void;
  err(line: string): void;
  now: () => number;
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`missing ${flag}`);
  return value;
}

/** "2026-11-24 10:00 JST" */
function japanTime(epochMs: number): string {
  const day = new Date(epochMs + 9 * 3600_000).toISOString().slice(0, 10);
  return `${day} ${formatJapanTime(Math.floor(msSinceJapanMidnight(epochMs) / 60_000))} JST`;
}

function print(
  io: PhoneCommandContext,
  reservation: ReservationView & { reservationToken?: string },
  json: boolean,
): void {
  if (json) {
    io.out(JSON.stringify(reservation, null, 2));
    return;
  }
  io.out(`reservation ${reservation.reservationId}`);
  io.out(`  procedure   ${reservation.procedure}`);
  io.out(`  status      ${reservation.status}`);
  io.out(`  created     ${japanTime(reservation.createdAt)}`);
  io.out(`  valid until ${japanTime(reservation.expiresAt)} (use it at a kiosk 06:30–23:00 before then)`);
  if (reservation.reservationToken) {
    io.out(`  token       ${reservation.reservationToken}   (yours: for status and cancel)`);
  }
}

async function reserve(
  values: Record<string, string | boolean | undefined>,
  io: PhoneCommandContext,
): Promise<void> {
  const cardPath = required(values['card'] as string | undefined, '--card FILE');
  const pin = required(values['pin'] as string | undefined, '--pin PIN');
  const procedure = required(values['procedure'] as string | undefined, '--procedure signature-pin|auth-pin');
  if (!(PROCEDURES as readonly string[]).includes(procedure)) {
    throw new UsageError('--procedure must be signature-pin or auth-pin');
  }
  const api = new PhoneApiClient(required(values['api'] as string | undefined, '--api URL'));
  const faceKey = loadDevFaceSigningKey(resolve((values['data'] as string | undefined) ?? './data'));
  const score = values['face-score'] === undefined ? 0.97 : Number(values['face-score']);
  if (!Number.isFinite(score) || score < 0 || score > 1) throw new UsageError('--face-score must be 0–1');

  // Client software uppercases a typed signature PIN (the card compares raw bytes).
  const proven = provenPinOf(procedure as Procedure);
  const pinBytes = Buffer.from(proven === 'sign' ? pin.toUpperCase() : pin, 'latin1');
  const card = new JpkiClient(new InProcessTransport(VirtualCard.fromFile(cardPath)));
  const reservation = await reserveWithCard({
    card,
    api,
    procedure: procedure as Procedure,
    pin: pinBytes,
    face: {
      key: faceKey,
      statement: { match: !values['face-mismatch'], liveness: !values['no-liveness'], score },
    },
    now: io.now,
  });
  print(io, reservation, values['json'] === true);
}

async function statusOrCancel(
  command: 'status' | 'cancel',
  values: Record<string, string | boolean | undefined>,
  io: PhoneCommandContext,
) {
  const api = new PhoneApiClient(required(values['api'] as string | undefined, '--api URL'));
  const id = required(values['reservation'] as string | undefined, '--reservation ID');
  const token = required(values['token'] as string | undefined, '--token TOKEN');
  const view = command === 'status' ? await api.status(id, token) : await api.cancel(id, token);
  print(io, view, values['json'] === true);
}

async function dispatch(argv: string[], io: PhoneCommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      card: { type: 'string' },
      pin: { type: 'string' },
      procedure: { type: 'string' },
      api: { type: 'string' },
      data: { type: 'string' },
      json: { type: 'boolean' },
      reservation: { type: 'string' },
      token: { type: 'string' },
      'face-score': { type: 'string' },
      'face-mismatch': { type: 'boolean' },
      'no-liveness': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(PHONE_USAGE);
    return;
  }
  const command = positionals[0];
  if (command === 'reserve') return reserve(values, io);
  if (command === 'status' || command === 'cancel') return statusOrCancel(command, values, io);
  throw new UsageError(command ? `unknown command: ${command}` : 'no command');
}

/** Runs one phone command; returns the exit code (0 done, 1 refused or failed, 2 usage). */
export async function runPhone(argv: string[], io: PhoneCommandContext): Promise<number> {
  try {
    await dispatch(argv, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\n\n${PHONE_USAGE}`);
      return 2;
    }
    if (error instanceof PhoneApiError) io.err(`refused by the API: ${error.code} — ${error.message}`);
    else if (error instanceof PhoneStepError) io.err(`refused by the card: ${error.message}`);
    else if (error instanceof CardError) io.err(`card error (${error.kind}): ${error.message}`);
    else io.err(`phone simulator failed: ${(error as Error).message}`);
    return 1;
  }
}
