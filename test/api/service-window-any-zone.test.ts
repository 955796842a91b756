import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskApiError } from '../../kiosk/api-client/kiosk-api-error';
import { type ApiHarness, type HarnessKiosk, startApiHarness } from './support/api-harness';
import { kioskClaim, kioskLookup } from './support/kiosk-step';

/**
 * The API enforces the 06:30–23:00 service window on claim in Japan time, on its own clock,
 * whatever zone the machine runs in: the same edges hold with the process in Los Angeles, on
 * Kiritimati (UTC+14) and in UTC.
 */

const ZONES = ['America/Los_Angeles', 'Pacific/Kiritimati', 'UTC'];
const EDGES = [
  ['06:29:59.999', 'OUTSIDE_SERVICE_HOURS'],
  ['06:30:00.000', 'claimed'],
  ['22:59:59.999', 'claimed'],
  ['23:00:00.000', 'OUTSIDE_SERVICE_HOURS'],
] as const;

let api: ApiHarness;
let kiosk: HarnessKiosk;
let cardPath: string;
const originalZone = process.env['TZ'];

beforeAll(async () => {
  api = await startApiHarness();
  kiosk = await api.addKiosk('lawson');
  cardPath = await api.issueCard('sign-pin-blocked');
});
afterAll(async () => {
  if (originalZone === undefined) delete process.env['TZ'];
  else process.env['TZ'] = originalZone;
  await api.close();
});

/** Reserve a minute before `at`, look up then, claim exactly at `at`; release a successful claim. */
async function claimAt(at: number): Promise<string> {
  api.clock.set(at - 60_000);
  await api.reserve(cardPath, 'signature-pin', '1234');
  const card = api.openCard(cardPath);
  const lookup = await kioskLookup(kiosk.client, card, 'signature-pin', '1234');
  api.clock.set(at);
  try {
    const claim = await kioskClaim(kiosk.client, card, 'signature-pin', lookup);
    await kiosk.client.release({ claimId: claim.claimId, reason: 'other' });
    return 'claimed';
  } catch (error) {
    if (error instanceof KioskApiError) return error.code;
    throw error;
  }
}

describe.each(ZONES)('service window with the machine in %s', (zone) => {
  beforeAll(() => {
    process.env['TZ'] = zone;
  });

  it('runs in that zone (the local hour of 06:30 JST is not 6, except where it happens to be)', () => {
    const local = new Date(Date.parse('2026-11-24T06:30:00+09:00'));
    const expectedHour = { 'America/Los_Angeles': 13, 'Pacific/Kiritimati': 11, UTC: 21 }[zone];
    expect(local.getHours()).toBe(expectedHour);
  });

  it.each(EDGES)(`claim at %s JST → %s`, async (time, outcome) => {
    // A different day per zone, so each run's reservation is the card's latest.
    const day = 24 + ZONES.indexOf(zone);
    expect(await claimAt(Date.parse(`2026-11-${day}T${time}+09:00`))).toBe(outcome);
  });
});
