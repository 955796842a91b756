import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_PATHS, MAX_KIOSKS_PER_BATCH, type RegisterKiosksResponse } from '../contract';
import { newKioskKeyPair } from '../services/kiosk-registry';
import { addOperator, type TestApi, testApi } from '../testing/test-api';

/** POST /v1/ops/kiosks/batch: a fleet rollout, admins only, all or none. */

let api: TestApi;
beforeEach(async () => {
  api = await testApi();
});
afterEach(async () => {
  await api.close();
});

const entry = (chain: string, storeId: string) => ({
  chain,
  storeId,
  publicKey: newKioskKeyPair().publicKey,
});

function register(token: string, kiosks: unknown[]) {
  return api.app.inject({
    method: 'POST',
    url: API_PATHS.opsKiosksBatch,
    headers: { authorization: `Bearer ${token}` },
    payload: { kiosks },
  });
}

describe('batch kiosk registration', () => {
  it('registers every kiosk of the batch, in order, each with its chain’s procedures and an audit row', async () => {
    const admin = await addOperator(api, 'admin', 'rollout');
    const response = await register(admin, [
      entry('lawson', 'L1'),
      entry('Seven-Eleven', 'S1'),
      entry('aeon', 'A1'),
    ]);
    expect(response.statusCode).toBe(201);
    const { kiosks } = response.json<RegisterKiosksResponse>();
    expect(kiosks.map((k) => [k.chain, k.storeId, k.procedures])).toEqual([
      ['lawson', 'L1', ['signature-pin']],
      ['seven-eleven', 'S1', ['signature-pin', 'auth-pin']],
      ['aeon', 'A1', ['signature-pin', 'auth-pin']],
    ]);
    const stored = await api.store.listKiosks();
    expect(stored.map((k) => k.id).sort()).toEqual(kiosks.map((k) => k.kioskId).sort());
    const audit = await api.store.auditEntries({ limit: 100 });
    expect(audit.filter((e) => e.action === 'kiosk-register' && e.actor === 'operator:rollout')).toHaveLength(
      3,
    );
  });

  it('writes nothing when one entry is refused', async () => {
    const admin = await addOperator(api, 'admin');
    const response = await register(admin, [
      entry('lawson', 'L1'),
      entry('no-such-chain', 'X1'),
      entry('aeon', 'A1'),
    ]);
    expect(response.statusCode).toBe(400);
    expect(response.json<{ code: string }>().code).toBe('UNKNOWN_CHAIN');
    expect(await api.store.listKiosks()).toEqual([]);
  });

  it(`refuses viewers, and batches over ${MAX_KIOSKS_PER_BATCH}`, async () => {
    const viewer = await addOperator(api, 'viewer');
    expect((await register(viewer, [entry('lawson', 'L1')])).statusCode).toBe(403);
    const admin = await addOperator(api, 'admin');
    const tooMany = Array.from({ length: MAX_KIOSKS_PER_BATCH + 1 }, (_, i) => entry('lawson', `L${i}`));
    const response = await register(admin, tooMany);
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(await api.store.listKiosks()).toEqual([]);
  });
});
