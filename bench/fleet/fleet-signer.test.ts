import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signKioskRequest } from '../../kiosk/api-client/request-signer';
import { signFleetRequest } from './fast-signer';

describe("the fleet's signer", () => {
  it('produces exactly the headers of the kiosk client for the same request, key, time and nonce', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    for (const [path, body] of [
      ['/v1/kiosk/heartbeat', '{"state":"idle","counters":{"heartbeats":3}}'],
      ['/v1/kiosk/claim', '{}'],
    ] as const) {
      const now = 1_764_000_000_123 + body.length;
      const kiosk = await signKioskRequest(
        { kioskId: 'lawson-s000001-kabc123', privateKey },
        {
          method: 'POST',
          url: `http://127.0.0.1:8080${path}`,
          body: Buffer.from(body),
          now,
          nonce: 'n0nce-1',
        },
      );
      const fleet = signFleetRequest({
        kioskId: 'lawson-s000001-kabc123',
        privateKey,
        path,
        body: Buffer.from(body),
        now,
        nonce: 'n0nce-1',
      });
      expect(fleet).toEqual(kiosk);
    }
  });
});
