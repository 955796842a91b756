import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../server/policy';
import { ALERT_SEVERITY, fleetAlerts, fleetStatusOf, type KioskFacts, kioskAlerts } from './alert-rules';

const NOW = 1_800_000_000_000;

function facts(overrides: Partial<KioskFacts> = {}): KioskFacts {
  return {
    kioskId: 'lawson-0042-k000001',
    revoked: false,
    heartbeat: { receivedAt: NOW, reader: 'ready', clock: NOW },
    reported: new Set(),
    recentFailures: 0,
    ...overrides,
  };
}

const kinds = (f: KioskFacts, now = NOW) => kioskAlerts(f, now, DEFAULT_POLICY).map((a) => a.kind);

describe('kiosk alert rules (defaults)', () => {
  it('raises nothing for a healthy kiosk, and nothing at all for a revoked one', () => {
    expect(kinds(facts())).toEqual([]);
    expect(
      kinds(
        facts({
          revoked: true,
          heartbeat: { receivedAt: 0, reader: 'unavailable', clock: 0 },
          reported: new Set(['card-left-behind']),
          recentFailures: 99,
        }),
      ),
    ).toEqual([]);
  });

  it('is stale strictly after 35 s of silence; a kiosk never heard from is never-seen, not stale', () => {
    expect(kinds(facts(), NOW + 35_000)).toEqual([]);
    expect(kinds(facts(), NOW + 35_001)).toEqual(['heartbeat-stale']);
    expect(kinds(facts({ heartbeat: null }), NOW + 3_600_000)).toEqual([]);
    expect(fleetStatusOf({ revoked: false, heartbeat: null }, NOW, DEFAULT_POLICY)).toBe('never-seen');
    expect(
      fleetStatusOf({ revoked: false, heartbeat: { receivedAt: NOW } }, NOW + 35_001, DEFAULT_POLICY),
    ).toBe('stale');
    expect(fleetStatusOf({ revoked: true, heartbeat: null }, NOW, DEFAULT_POLICY)).toBe('revoked');
  });

  it('flags clock skew strictly beyond 30 s either way', () => {
    expect(kinds(facts({ heartbeat: { receivedAt: NOW, reader: 'ready', clock: NOW + 30_000 } }))).toEqual(
      [],
    );
    expect(kinds(facts({ heartbeat: { receivedAt: NOW, reader: 'ready', clock: NOW + 30_001 } }))).toEqual([
      'clock-skew',
    ]);
    expect(kinds(facts({ heartbeat: { receivedAt: NOW, reader: 'ready', clock: NOW - 30_001 } }))).toEqual([
      'clock-skew',
    ]);
  });

  it('raises reader-unavailable only after the reader stayed down for 15 s', () => {
    const down = facts({
      heartbeat: { receivedAt: NOW, reader: 'absent', clock: NOW },
      readerDownSince: NOW,
    });
    expect(kinds(down, NOW + 14_999)).toEqual([]);
    expect(kinds(down, NOW + 15_000)).toEqual(['reader-unavailable']);
    expect(kinds({ ...down, readerDownSince: NOW - 20_000 })).toEqual(['reader-unavailable']);
  });

  it('raises repeated-failures from 5 failures in the window', () => {
    expect(kinds(facts({ recentFailures: 4 }))).toEqual([]);
    expect(kioskAlerts(facts({ recentFailures: 5 }), NOW, DEFAULT_POLICY)).toEqual([
      {
        kind: 'repeated-failures',
        kioskId: 'lawson-0042-k000001',
        detail: '5 device or service failures in 15 min',
        detailKey: 'failed-sessions',
        detailParams: { count: 5, minutes: 15 },
      },
    ]);
  });

  it('raises unusual-customer-pattern from 3 blocked-PIN or card-mismatch sessions, apart from repeated-failures', () => {
    expect(kinds(facts({ unusualFailures: 2 }))).toEqual([]);
    expect(kinds(facts({ unusualFailures: 3 }))).toEqual(['unusual-customer-pattern']);
    expect(kinds(facts({ unusualFailures: 3, recentFailures: 5 }))).toEqual([
      'repeated-failures',
      'unusual-customer-pattern',
    ]);
  });

  it('maps what the kiosk reports; unknown names go to one kiosk-other alert, sorted', () => {
    const alerts = kioskAlerts(
      facts({ reported: new Set(['zeta', 'card-left-behind', 'alpha', 'settlement-not-recorded']) }),
      NOW,
      DEFAULT_POLICY,
    );
    expect(alerts.map((a) => [a.kind, a.detail, a.detailKey, a.detailParams])).toEqual([
      ['card-left-behind', 'a card is still on the reader', 'card-on-reader', {}],
      [
        'settlement-not-recorded',
        "a reset's completion or release has not reached the API yet (the kiosk keeps it and retries)",
        'settlement-not-recorded',
        {},
      ],
      ['kiosk-other', 'reported: alpha, zeta', 'unknown-kiosk-alerts', { names: 'alpha, zeta' }],
    ]);
  });

  it('gives an uncertain reset and a rejected outbox message their own critical kinds', () => {
    const alerts = kioskAlerts(
      facts({ reported: new Set(['outbox-rejected', 'reset-outcome-uncertain']) }),
      NOW,
      DEFAULT_POLICY,
    );
    expect(alerts.map((a) => a.kind)).toEqual(['reset-outcome-uncertain', 'outbox-rejected']);
    expect(alerts.map((a) => ALERT_SEVERITY[a.kind])).toEqual(['critical', 'critical']);
  });
});

describe('alert severities', () => {
  it('treats a card left behind as critical: an ID document at risk until staff act', () => {
    expect(ALERT_SEVERITY['card-left-behind']).toBe('critical');
  });
});

describe('fleet alert rules (defaults)', () => {
  it('raises spikes at 20 blocked PINs and 10 refused resets in the window', () => {
    expect(fleetAlerts({ blockedPins: 19, resetRefusals: 9 }, DEFAULT_POLICY)).toEqual([]);
    expect(
      fleetAlerts({ blockedPins: 20, resetRefusals: 10 }, DEFAULT_POLICY).map((a) => [a.kind, a.kioskId]),
    ).toEqual([
      ['blocked-pin-spike', null],
      ['reset-refused-spike', null],
    ]);
  });
});
