import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from './outbox';

const now = () => 1_000;
const directories: string[] = [];

function journalPath(): string {
  const directory = mkdtempSync(join(tmpdir(), 'outbox-'));
  directories.push(directory);
  return join(directory, 'kiosk-journal.sqlite');
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('outbox: settlements the API has not recorded', () => {
  it('counts a completion or release once a delivery attempt failed, until it is delivered', () => {
    const outbox = Outbox.open(':memory:', { now });
    const complete = outbox.enqueue({ kind: 'complete', claimId: 'clm_1' });
    const release = outbox.enqueue({ kind: 'release', claimId: 'clm_2', reason: 'cancelled' });
    // Not tried yet: nothing has failed.
    expect(outbox.unrecordedSettlements()).toBe(0);

    outbox.markRetry(complete, 'NETWORK_ERROR');
    expect(outbox.unrecordedSettlements()).toBe(1);
    outbox.markRetry(release, 'TIMEOUT');
    outbox.markRetry(release, 'TIMEOUT');
    expect(outbox.unrecordedSettlements()).toBe(2);

    outbox.markDelivered(complete);
    expect(outbox.unrecordedSettlements()).toBe(1);
    outbox.markDelivered(release);
    expect(outbox.unrecordedSettlements()).toBe(0);
    outbox.close();
  });

  it('leaves out events and settlements the API refused for good', () => {
    const outbox = Outbox.open(':memory:', { now });
    const event = outbox.enqueue({
      kind: 'event',
      event: { id: '00000000-0000-4000-8000-000000000001', type: 'session.started', at: 1_000 },
    });
    outbox.markRetry(event, 'NETWORK_ERROR');
    const refused = outbox.enqueue({ kind: 'complete', claimId: 'clm_3' });
    outbox.markRetry(refused, 'NETWORK_ERROR');
    outbox.markRejected(refused, 'LEASE_INVALID');

    expect(outbox.unrecordedSettlements()).toBe(0);
    expect(outbox.counts()).toEqual({ pending: 1, delivered: 0, rejected: 1 });
    outbox.close();
  });

  it('still counts a failed settlement after the journal is reopened (a kiosk restart)', () => {
    const path = journalPath();
    const before = Outbox.open(path, { now });
    before.markRetry(before.enqueue({ kind: 'complete', claimId: 'clm_4' }), 'NETWORK_ERROR');
    before.close();

    const after = Outbox.open(path, { now });
    expect(after.unrecordedSettlements()).toBe(1);
    after.close();
  });

  it('lists due settlements before events, each oldest first', () => {
    const outbox = Outbox.open(':memory:', { now });
    const event = { id: '00000000-0000-4000-8000-000000000002', type: 'session.started', at: 1_000 };
    outbox.enqueue({ kind: 'event', event });
    outbox.enqueue({ kind: 'complete', claimId: 'clm_5' });
    outbox.enqueue({ kind: 'release', claimId: 'clm_6', reason: 'cancelled' });
    expect(outbox.due().map((pending) => pending.message)).toEqual([
      { kind: 'complete', claimId: 'clm_5' },
      { kind: 'release', claimId: 'clm_6', reason: 'cancelled' },
      { kind: 'event', event },
    ]);
    outbox.close();
  });
});
