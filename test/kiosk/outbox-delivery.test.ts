import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { Outbox } from '../../kiosk/journal/outbox';
import { deliverDue } from '../../kiosk/journal/outbox-delivery';
import { enrolKiosk } from '../../reservation-api/services/kiosk-registry';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { kioskClaim, kioskLookup } from '../api/support/kiosk-step';
import { openSwitchableLink, type SwitchableLink } from './switchable-link';

/** The outbox with the API unreachable, then reachable again: the completion lands exactly once. */

let api: ApiHarness;
let link: SwitchableLink;
let kiosk: KioskApiClient;

beforeAll(async () => {
  api = await startApiHarness();
  link = await openSwitchableLink(api.baseUrl);
  const credentials = await enrolKiosk(api.store, {
    chain: 'seven-eleven',
    storeId: 'S-outbox',
    actor: 'operator:test',
    now: api.clock.now(),
  });
  kiosk = KioskApiClient.fromCredentials(credentials, { baseUrl: link.url, now: api.clock.now });
});

afterAll(async () => {
  await link.close();
  await api.close();
  rmSync(api.dataDir, { recursive: true, force: true });
});

describe('kiosk outbox', () => {
  it('keeps a completion while the API is unreachable, backs off, and delivers it once the API is back', async () => {
    const cardPath = await api.issueCard('sign-pin-blocked');
    const reservation = await api.reserve(cardPath, 'signature-pin', DEFAULT_PINS.auth);
    const card = api.openCard(cardPath);
    const lookup = await kioskLookup(kiosk, card, 'signature-pin', DEFAULT_PINS.auth);
    const claim = await kioskClaim(kiosk, card, 'signature-pin', lookup);

    const outbox = Outbox.open(join(api.dataDir, 'kiosk-journal.sqlite'), {
      now: api.clock.now,
      baseBackoffMs: 1_000,
    });
    const id = outbox.enqueue({ kind: 'complete', claimId: claim.claimId });

    link.cut();
    expect(await deliverDue(outbox, kiosk)).toEqual({ delivered: 0, rejected: 0, deferred: true });
    expect(outbox.stateOf(id)).toEqual({ state: 'pending', attempts: 1, lastError: 'NETWORK_ERROR' });
    // Backing off: not due again before the delay.
    expect(outbox.due()).toEqual([]);
    api.clock.advance(1_000);
    expect(await deliverDue(outbox, kiosk)).toMatchObject({ delivered: 0, deferred: true });
    expect(outbox.stateOf(id)?.attempts).toBe(2);
    api.clock.advance(1_999);
    expect(outbox.due()).toEqual([]);

    // Survives a restart of the kiosk process: reopen the same file.
    outbox.close();
    const reopened = Outbox.open(join(api.dataDir, 'kiosk-journal.sqlite'), { now: api.clock.now });
    expect(reopened.pendingCount()).toBe(1);

    link.restore();
    api.clock.advance(1);
    expect(await deliverDue(reopened, kiosk)).toEqual({ delivered: 1, rejected: 0, deferred: false });
    expect(reopened.stateOf(id)?.state).toBe('delivered');
    expect(reopened.pendingCount()).toBe(0);
    expect(await deliverDue(reopened, kiosk)).toEqual({ delivered: 0, rejected: 0, deferred: false });

    const view = await api.phone.status(reservation.reservationId, reservation.reservationToken);
    expect(view.status).toBe('completed');
    reopened.close();
  });

  it('records a refusal as rejected and does not retry it', async () => {
    const outbox = Outbox.open(':memory:', { now: api.clock.now });
    const id = outbox.enqueue({ kind: 'release', claimId: 'no-such-claim-0001', reason: 'cancelled' });
    const report = await deliverDue(outbox, kiosk);
    expect(report).toMatchObject({ delivered: 0, rejected: 1, deferred: false });
    expect(outbox.stateOf(id)?.state).toBe('rejected');
    expect(outbox.due()).toEqual([]);
    outbox.close();
  });
});
