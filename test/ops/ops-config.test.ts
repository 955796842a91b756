import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, settingsHelp } from '../../reservation-api/server/config';
import { DEFAULT_POLICY } from '../../reservation-api/server/policy';

describe('operator and alert settings', () => {
  it('defaults to the policy defaults', () => {
    const { policy } = loadConfig({ env: {} });
    expect(policy).toEqual(DEFAULT_POLICY);
    expect(policy).toMatchObject({
      opsSessionIdleMs: 30 * 60_000,
      alertHeartbeatStaleMs: 35_000,
      alertRepeatedFailures: 5,
      alertBlockedPinSpike: 20,
    });
  });

  it('takes environment and flags in their units (seconds, minutes, hours, days, counts)', () => {
    const { policy } = loadConfig({
      env: {
        RESERVATION_API_ALERT_HEARTBEAT_STALE_SECONDS: '60',
        RESERVATION_API_OPS_SESSION_IDLE_MINUTES: '15',
        RESERVATION_API_OPS_TICK_SECONDS: '0',
      },
      flags: {
        alertBlockedPinSpike: '50',
        opsSessionMaxHours: 8,
        opsRetentionDays: 30,
        alertSpikeWindowMinutes: 5,
      },
    });
    expect(policy).toMatchObject({
      alertHeartbeatStaleMs: 60_000,
      opsSessionIdleMs: 15 * 60_000,
      opsTickMs: 0,
      alertBlockedPinSpike: 50,
      opsSessionMaxMs: 8 * 3_600_000,
      opsRetentionMs: 30 * 86_400_000,
      alertSpikeWindowMs: 5 * 60_000,
    });
  });

  it('refuses bad values, naming the variable and what it must be', () => {
    expect(() => loadConfig({ env: { RESERVATION_API_ALERT_REPEATED_FAILURES: '0' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { RESERVATION_API_ALERT_CLOCK_SKEW_SECONDS: 'soon' } })).toThrow(
      /RESERVATION_API_ALERT_CLOCK_SKEW_SECONDS="soon": must be an integer in 1\.\.∞/,
    );
  });

  it('lists every new setting in --help', () => {
    const help = settingsHelp().join('\n');
    for (const name of ['opsSessionIdleMinutes', 'alertHeartbeatStaleSeconds', 'alertResetRefusedSpike']) {
      expect(help).toContain(`${name}:`);
    }
  });
});
