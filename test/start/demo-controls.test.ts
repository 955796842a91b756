import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCardFile } from '../../hardware/virtual-card/card-file';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import { toViewModel } from '../../state-machines/session';
import { parseKioskUrlFile } from '../../kiosk/electron/window-policy';
import type { UiEvent } from '../../kiosk/ui-server/ui-events';
import { demoKioskCredentialsPath, demoOperatorPath } from '../../scripts/demo/demo-accounts';
import { type RunningDemo, startDemo } from '../../scripts/demo/demo';

/**
 * The demo's controls in-process (no browser): the same API, kiosk runtime and simulation panel
 * `npm start` runs, on a real clock pinned to 10:00 JST on a fixed day (the kiosk is open whatever
 * the hour of the test run), driven through the panel's actions and the kiosk's UI events.
 */
const TEN_JST = Date.parse('2026-03-02T10:00:00+09:00');
const started = Date.now();
const realNow = () => TEN_JST + (Date.now() - started);

let dataDir: string;
let demo: RunningDemo;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'demo-controls-'));
  demo = await startDemo({ port: 0, dataDir, logLevel: 'silent', realNow });
}, 60_000);

afterAll(async () => {
  await demo?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const screenNow = () => toViewModel(demo.kiosk.actor.getSnapshot()).screen;

/** Resolves when the kiosk shows `screen` (at once if it already does). */
function screen(id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (screenNow() === id) return resolve();
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`the kiosk never showed ${id} (it shows ${screenNow()})`));
    }, 10_000);
    const subscription = demo.kiosk.actor.subscribe(() => {
      if (screenNow() !== id) return;
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve();
    });
  });
}

const tap = (event: UiEvent) => demo.kiosk.actor.send(event);
const typePin = (pin: string) => {
  for (const key of pin) tap({ type: 'pin.key', key });
  tap({ type: 'pin.submit' });
};

async function act(action: Parameters<RunningDemo['panel']['perform']>[0]): Promise<string> {
  const outcome = await demo.panel.perform(action);
  if (!outcome.ok) throw new Error(`panel refused ${action.type}: ${outcome.message}`);
  return outcome.message;
}

function cardOf(persona: string): JpkiClient {
  return new JpkiClient(
    new InProcessTransport(VirtualCard.fromFile(join(dataDir, 'demo-cards', `${persona}.json`))),
  );
}

describe('first run', () => {
  it('creates the demo kiosk credentials and the operator token, readable by the owner only', () => {
    expect(statSync(demoKioskCredentialsPath(dataDir)).mode & 0o777).toBe(0o600);
    expect(statSync(demoOperatorPath(dataDir)).mode & 0o777).toBe(0o600);
    expect(demo.kiosk.actor.getSnapshot().context.offeredProcedures).toEqual(['signature-pin', 'auth-pin']);
  });

  it('writes the kiosk launch URL for the Electron shell (--url-file), private to the owner', () => {
    const file = join(dataDir, 'kiosk', 'ui-url');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseKioskUrlFile(readFileSync(file, 'utf8'), statSync(file).mode).href).toBe(demo.kioskUrl);
  });

  it('shows the demo clock to the panel and the kiosk is open at 10:00 JST', async () => {
    await screen('idle');
    expect(demo.panel.state().clock).toMatchObject({ realTime: true, japanTime: '2026-03-02 10:00 JST' });
    expect(demo.panel.state().kioskScreen).toBe('idle');
  });
});

describe('the panel', () => {
  it('runs the phone step on the API clock: the reservation lasts 24 h of demo time', async () => {
    await act({ type: 'clock.set', japanTime: '12:00' });
    const message = await act({ type: 'phone.reserve', procedure: 'signature-pin' });
    expect(message).toBe('reservation for signature-pin made on the phone, valid until 2026-03-03 12:00 JST');
  });

  it('refuses the phone step while the card is on the kiosk reader', async () => {
    await act({ type: 'card.insert' });
    const outcome = await demo.panel.perform({ type: 'phone.reserve', procedure: 'signature-pin' });
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toContain('take the sign-pin-blocked card off the reader first');
    expect((await demo.panel.perform({ type: 'card.insert' })).ok).toBe(false);
    await act({ type: 'card.remove' });
    expect(demo.panel.state().cardOnReader).toBeNull();
  });

  it('closes the kiosk when the demo clock says 23:30 JST and opens it again at 10:00', async () => {
    expect(await act({ type: 'clock.set', japanTime: '23:30' })).toBe(
      'demo clock set to 2026-03-02 23:30 JST',
    );
    await screen('closed');
    expect(toViewModel(demo.kiosk.actor.getSnapshot())).toMatchObject({
      opensAt: '06:30',
      closesAt: '23:00',
    });
    // 10:00 has passed today: the clock goes forward to tomorrow's, never back.
    expect(await act({ type: 'clock.set', japanTime: '10:00' })).toBe(
      'demo clock set to 2026-03-03 10:00 JST',
    );
    await screen('idle');
  });

  it('ages reservations past 24 h by moving the demo clock forward (never back-dating them)', async () => {
    const before = demo.clock.now();
    const message = await act({ type: 'clock.age-reservations' });
    expect(demo.clock.now() - before).toBeGreaterThanOrEqual(24 * 60 * 60_000 + 60_000);
    expect(message).toMatch(
      /^demo clock moved 24 h 1 min ahead: 2026-03-04 10:0\d JST; every reservation made before has expired$/,
    );
    await screen('idle');
  });

  it('refuses to go back to real time once ahead, and says why', async () => {
    const before = demo.clock.now();
    const outcome = await demo.panel.perform({ type: 'clock.real' });
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toContain('only moves forward');
    expect(demo.clock.now()).toBeGreaterThanOrEqual(before);
    expect(demo.panel.state().clock.realTime).toBe(false);
  });

  it('a non-JPKI card placed on the reader ends the session with its error', async () => {
    await act({ type: 'persona.select', persona: 'non-jpki' });
    tap({ type: 'session.start' });
    await screen('choose-procedure');
    tap({ type: 'procedure.select', procedure: 'signature-pin' });
    await screen('consent');
    tap({ type: 'consent.accept' });
    await screen('place-card');
    await act({ type: 'card.insert' });
    await screen('error');
    expect(toViewModel(demo.kiosk.actor.getSnapshot()).error?.code).toBe('not-my-number-card');
    tap({ type: 'session.continue' });
    await screen('take-card');
    await act({ type: 'card.remove' });
    await screen('idle');
  });
});

describe('the auth-PIN reset through the panel and the kiosk', () => {
  it('auth-pin-blocked: phone step proving the signature PIN, reset to a new 4-digit PIN, fresh card restores the demo PINs', async () => {
    await act({ type: 'persona.select', persona: 'auth-pin-blocked' });
    expect(await act({ type: 'phone.reserve', procedure: 'auth-pin' })).toContain('reservation for auth-pin');
    tap({ type: 'session.start' });
    await screen('choose-procedure');
    tap({ type: 'procedure.select', procedure: 'auth-pin' });
    await screen('consent');
    tap({ type: 'consent.accept' });
    await screen('place-card');
    await act({ type: 'card.insert' });
    await screen('enter-current-pin');
    typePin('ABC123');
    await screen('enter-new-pin');
    typePin('5678');
    await screen('confirm-new-pin');
    typePin('5678');
    await screen('done');
    tap({ type: 'session.continue' });
    await screen('take-card');
    await act({ type: 'card.remove' });
    await screen('idle');

    const card = cardOf('auth-pin-blocked');
    await card.selectApplication();
    expect(await card.pinStatus('auth')).toMatchObject({ blocked: false, triesLeft: 3 });
    await card.verifyPin('auth', Buffer.from('5678', 'latin1'));

    await act({ type: 'card.renew' });
    const fresh = cardOf('auth-pin-blocked');
    await fresh.selectApplication();
    expect(await fresh.pinStatus('auth')).toMatchObject({ blocked: true });
  }, 60_000);
});

describe('a second start on the same data directory', () => {
  it('reuses the demo kiosk and the operator', async () => {
    const { kioskId, operator } = demo;
    await demo.close();
    demo = await startDemo({ port: 0, dataDir, logLevel: 'silent', realNow });
    expect(demo.kioskId).toBe(kioskId);
    expect(demo.operator).toEqual(operator);
    // The demo clock goes on from where the last run left it (a day ahead), not back to real time.
    expect(demo.clock.isRealTime).toBe(false);
    expect(demo.clock.now()).toBeGreaterThanOrEqual(Date.parse('2026-03-03T10:00:00+09:00'));
    // A new launch: new secret, and the URL file follows it.
    expect(readFileSync(join(dataDir, 'kiosk', 'ui-url'), 'utf8').trim()).toBe(demo.kioskUrl);
  }, 60_000);
});

describe('after every demo clock change', () => {
  it('nothing the demo recorded is dated after its now: cards, reservations, audit, heartbeats, events, alerts', async () => {
    // The runs above moved the clock 10:00 → 12:00 → 23:30 → next day 10:00, made reservations,
    // reset cards, failed sessions, and restarted. The restarted kiosk's first heartbeat is on its way.
    const db = new Database(join(dataDir, 'reservation-api.sqlite'), { readonly: true });
    try {
      const latest = (sql: string) => (db.prepare(sql).get() as { t: number | null }).t ?? 0;
      const heartbeats = 'SELECT count(*) AS t FROM kiosk_heartbeats';
      for (let waited = 0; latest(heartbeats) === 0 && waited < 10_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const now = demo.clock.now();
      const dated = {
        reservations: latest(
          'SELECT max(max(created_at, updated_at, coalesce(completed_at, 0))) AS t FROM reservations',
        ),
        lookups: latest('SELECT max(created_at) AS t FROM lookups'),
        claims: latest('SELECT max(max(claimed_at, coalesce(ended_at, 0))) AS t FROM claims'),
        audit: latest('SELECT max(at) AS t FROM audit'),
        heartbeats: latest(
          "SELECT max(max(received_at, json_extract(heartbeat, '$.clock'))) AS t FROM kiosk_heartbeats",
        ),
        events: latest('SELECT max(max(at, received_at)) AS t FROM kiosk_events'),
        alerts: latest(
          'SELECT max(max(opened_at, updated_at, coalesce(resolved_at, 0), coalesce(acknowledged_at, 0))) AS t FROM fleet_alerts',
        ),
        chart: latest('SELECT max(bucket) AS t FROM session_rollup'),
      };
      expect(dated.audit, 'the demo recorded something').toBeGreaterThan(0);
      expect(dated.heartbeats, 'the demo kiosk heartbeats').toBeGreaterThan(0);
      for (const [what, at] of Object.entries(dated)) expect(at, what).toBeLessThanOrEqual(now);
    } finally {
      db.close();
    }
    for (const persona of ['sign-pin-blocked', 'auth-pin-blocked', 'non-jpki']) {
      const card = loadCardFile(join(dataDir, 'demo-cards', `${persona}.json`));
      for (const der of [card.jpki?.authCertificate, card.jpki?.signCertificate]) {
        if (der === undefined) continue;
        const issued = Date.parse(new X509Certificate(Buffer.from(der, 'base64')).validFrom);
        expect(issued, `${persona} certificate`).toBeLessThanOrEqual(demo.clock.now());
      }
    }
  });
});
