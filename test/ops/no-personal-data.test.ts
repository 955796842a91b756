import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_PATHS } from '../../reservation-api/contract';
import { addKiosk } from '../../reservation-api/testing/test-api';
import {
  alertEvent,
  heartbeat,
  loginAs,
  opsGet,
  type OpsTestApi,
  opsTestApi,
  resetThroughKiosk,
  sendEvents,
  sessionEnded,
} from './support/ops-harness';

/**
 * Everything operators can read — every ops endpoint, the live stream, /metrics — after real
 * reservations and resets went through: no certificate, token, card reference (hash of the
 * certificate), proof-key reference, token serial, cryptogram or operator secret appears.
 */

let api: OpsTestApi;

beforeEach(async () => {
  api = await opsTestApi({ cardAttemptsPerWindow: 1000, phoneRequestsPerMinute: 1000 });
});

afterEach(async () => {
  await api.close();
});

const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('what operators see is free of personal data', () => {
  it('holds no certificate, token, card reference, serial or cryptogram anywhere operators look', async () => {
    const kiosk = await addKiosk(api, 'seven-eleven');
    const admin = await loginAs(api, 'admin');
    const card = api.pki.healthy;
    const done = await resetThroughKiosk(api, kiosk, card);
    await heartbeat(api, kiosk, { reader: 'unavailable', cardPresent: true, alerts: ['card-left-behind'] });
    await sendEvents(api, kiosk, [
      sessionEnded(api, 'completed'),
      sessionEnded(api, 'failed', 'pin-blocked'),
      alertEvent(api, 'card-left-behind'),
    ]);
    await api.tick();

    const views: string[] = [];
    for (const url of [
      API_PATHS.opsWhoAmI,
      API_PATHS.opsKiosks,
      `${API_PATHS.opsAudit}?limit=1000`,
      API_PATHS.opsFleet,
      `${API_PATHS.opsAlerts}?state=all`,
      API_PATHS.opsStats,
      `${API_PATHS.opsSessionSeries}?points=60`,
      API_PATHS.metrics,
    ]) {
      const response = await opsGet(api, url, admin.cookie);
      expect(response.statusCode, url).toBe(200);
      views.push(response.body);
    }
    views.push(JSON.stringify(api.published));
    const everything = views.join('\n');

    const secrets: Record<string, string> = {
      'auth certificate (base64)': card.authDer.toString('base64').slice(0, 60),
      'signature certificate (base64)': card.signDer.toString('base64').slice(0, 60),
      'card reference (SHA-256 of the auth certificate)': sha256Hex(card.authDer),
      'token serial': card.tokenSerial.trim(),
      'reservation token': done.token,
      'reset cryptogram': done.cryptogram,
      'operator token': admin.token,
      'session cookie': admin.cookie.split('=')[1] ?? '',
    };
    for (const [what, value] of Object.entries(secrets)) {
      expect(value.length, what).toBeGreaterThan(8);
      expect(everything.includes(value), what).toBe(false);
    }
    // The reset did show up (so the check above looked at real data).
    expect(everything).toContain('"completed":1');
    expect(everything).toContain('card-left-behind');
  });
});
