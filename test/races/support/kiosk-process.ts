import { createPrivateKey } from 'node:crypto';
import { JpkiClient } from '../../../hardware/jpki/jpki-client';
import { InProcessTransport } from '../../../hardware/transport/in-process-transport';
import { loadCardFile } from '../../../hardware/virtual-card/card-file';
import { VirtualCard } from '../../../hardware/virtual-card/virtual-card';
import { KioskApiClient } from '../../../kiosk/api-client/kiosk-api-client';
import { KioskApiError } from '../../../kiosk/api-client/kiosk-api-error';
import type { LookupResponse } from '../../../reservation-api/contract';
import { kioskClaim, kioskLookup } from '../../api/support/kiosk-step';
import type { KioskCommand, KioskReply, Outcome } from './kiosk-protocol';

/**
 * One kiosk as its own OS process (forked with IPC by kiosk-fleet.ts): its own registered key, its
 * own HTTP connections, its own copies of the cards. It obeys the parent's commands — look cards up,
 * claim, complete, release — firing each batch at once, and reports every outcome (a value or the
 * API's code), so the parent can hold them against the database and its audit trail.
 *
 * Cards are loaded into memory and never written back: several processes share the card files.
 */

const kioskId = process.env['RACE_KIOSK_ID']!;
const client = new KioskApiClient({
  baseUrl: process.env['RACE_API_URL']!,
  kioskId,
  privateKey: createPrivateKey(process.env['RACE_KIOSK_KEY']!),
  // The server's injected clock is fixed while a batch runs; the parent sends it with every command.
  now: () => serverNow,
});
let serverNow = Number(process.env['RACE_NOW']);

/** Card sessions by card path: the lookup's session is the one that claims (GET CHALLENGE). */
const sessions = new Map<string, { card: JpkiClient; lookup: LookupResponse }>();

function openCard(path: string): JpkiClient {
  const card = new VirtualCard(loadCardFile(path), { onChange: () => {} });
  return new JpkiClient(new InProcessTransport(card));
}

async function outcome<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof KioskApiError) return { ok: false, code: error.code };
    return { ok: false, code: `THROWN:${(error as Error).name}` };
  }
}

async function run(command: KioskCommand): Promise<KioskReply> {
  serverNow = command.now;
  switch (command.type) {
    case 'lookup':
      return {
        type: 'lookup',
        results: await Promise.all(
          command.cards.map(async ({ path, pin }) => {
            const card = openCard(path);
            const result = await outcome(() => kioskLookup(client, card, 'signature-pin', pin));
            if (result.ok) sessions.set(path, { card, lookup: result.value });
            return { path, result };
          }),
        ),
      };
    case 'claim':
      return {
        type: 'claim',
        results: await Promise.all(
          command.paths.map(async (path) => {
            const session = sessions.get(path);
            if (!session) return { path, result: { ok: false as const, code: 'NO_LOOKUP' } };
            return {
              path,
              result: await outcome(() => kioskClaim(client, session.card, 'signature-pin', session.lookup)),
            };
          }),
        ),
      };
    case 'complete':
      return {
        type: 'complete',
        results: await Promise.all(
          command.claimIds.map(async (claimId) => ({
            claimId,
            result: await outcome(() => client.complete({ claimId })),
          })),
        ),
      };
    case 'release':
      return {
        type: 'release',
        results: await Promise.all(
          command.claimIds.map(async (claimId) => ({
            claimId,
            result: await outcome(() => client.release({ claimId, reason: 'cancelled' })),
          })),
        ),
      };
  }
}

process.on('message', (command: KioskCommand | { type: 'exit' }) => {
  if (command.type === 'exit') process.exit(0);
  run(command).then(
    (reply) => process.send!(reply),
    (error: unknown) => process.send!({ type: 'failed', message: String(error) }),
  );
});
process.send!({ type: 'ready', kioskId });
