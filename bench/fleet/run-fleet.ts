import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDevFaceSigningKey } from '../../reservation-api/server/face-provider-keys';
import { AckLog } from './ack-log';
import { CustomerSessions } from './customer-sessions';
import { CardPool } from './fleet-cards';
import { FleetHttp } from './fleet-http';
import { fleetKiosks } from './fleet-kiosks';
import type { FleetOptions } from './fleet-options';
import { FleetRequests } from './fleet-requests';
import { FleetStats } from './fleet-stats';
import { HeartbeatSchedule, type KioskState } from './heartbeat-schedule';

/** Where the fleet writes: figures (one JSON object per line) and progress. */
export interface FleetOutput {
  figures(line: Record<string, unknown>): void;
  progress(message: string): void;
}

export const stdioOutput: FleetOutput = {
  figures: (line) => process.stdout.write(`${JSON.stringify(line)}\n`),
  progress: (message) => process.stderr.write(`[fleet] ${message}\n`),
};

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Registers (or reuses) the fleet, runs it for the duration, and returns the summary line. */
export async function runFleet(options: FleetOptions, out: FleetOutput = stdioOutput) {
  const now = () => Date.now() + options.clockOffsetMs;
  const http = new FleetHttp({
    urls: options.apiUrls,
    connectionsPerUrl: options.connectionsPerUrl,
    timeoutMs: 10_000,
    probeEveryMs: 1_000,
  });
  const stats = new FleetStats();
  const requests = new FleetRequests(http, stats, now);
  const acks = new AckLog(options.ackLog);
  const scratch = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'fleet-'));
  try {
    const registrationStarted = performance.now();
    let lastShown = 0;
    // Registration gets its own client: a batch is one transaction of 500 kiosks plus the API's
    // fleet view refresh, far longer than a heartbeat may take.
    const registrationHttp = new FleetHttp({
      urls: options.apiUrls,
      connectionsPerUrl: 4,
      timeoutMs: 120_000,
      probeEveryMs: 1_000,
    });
    const fleet = await fleetKiosks(options.kiosks, options.dataDir, {
      http: registrationHttp,
      token: options.token,
      parallel: 4,
      onProgress: (done, wanted) => {
        if (performance.now() - lastShown < 1_000 && done < wanted) return;
        lastShown = performance.now();
        out.progress(`registered ${done}/${wanted} kiosks`);
      },
    });
    registrationHttp.close();
    const registrationMs = performance.now() - registrationStarted;
    const kiosks: KioskState[] = fleet.kiosks.map((kiosk) => ({
      kiosk,
      seq: 0,
      heartbeatInFlight: false,
      inSession: false,
      sessionsCompleted: 0,
    }));

    let sessions: CustomerSessions | undefined;
    if (options.sessionsPerHour > 0) {
      const cards = await CardPool.open({
        count: options.cards,
        cardsDir: join(options.dataDir ?? scratch!, 'cards'),
        apiDataDir: options.apiDataDir,
        now,
        onProgress: (issued, wanted) => out.progress(`cards ${issued}/${wanted}`),
      });
      sessions = new CustomerSessions({
        kiosks,
        requests,
        stats,
        acks,
        cards,
        faceKey: loadDevFaceSigningKey(options.apiDataDir),
        sessionsPerHour: options.sessionsPerHour,
      });
    }

    const heartbeatsAskedPerS = Math.round((options.kiosks * 10_000) / options.heartbeatPeriodMs) / 10;
    out.figures({
      type: 'start',
      api_urls: options.apiUrls.length,
      kiosks: options.kiosks,
      kiosks_reused: fleet.reused,
      kiosks_registered: fleet.registered,
      registration_s: seconds(registrationMs),
      registrations_per_s: fleet.registered > 0 ? Math.round(fleet.registered / (registrationMs / 1000)) : 0,
      heartbeats_asked_per_s: heartbeatsAskedPerS,
      sessions_per_hour: options.sessionsPerHour,
      duration_s: options.durationSeconds,
      heartbeat_every_ms: options.heartbeatPeriodMs,
    });

    const schedule = new HeartbeatSchedule(kiosks, requests, stats, acks, options.heartbeatPeriodMs);
    const started = performance.now();
    stats.resetClock();
    schedule.start();
    sessions?.start();

    let shownHeartbeats = 0;
    let shownAt = started;
    const progress = setInterval(() => {
      const at = performance.now();
      const acked = stats.acknowledged('heartbeat');
      const rate = ((acked - shownHeartbeats) / (at - shownAt)) * 1000;
      shownHeartbeats = acked;
      shownAt = at;
      const errors = stats.errorCount();
      out.progress(
        `${seconds(at - started)}/${options.durationSeconds} s  heartbeats ${Math.round(rate)}/s (asked ${heartbeatsAskedPerS})` +
          `  sessions ${stats.sessions.completed} done ${stats.sessions.failed} failed  errors ${errors}` +
          (http.downUrls.length > 0 ? `  down: ${http.downUrls.join(' ')}` : ''),
      );
    }, 1_000);
    const report = setInterval(
      () =>
        out.figures({ type: 'interval', t_s: seconds(performance.now() - started), ...stats.takeInterval() }),
      options.reportEverySeconds * 1000,
    );

    await new Promise((resolve) => setTimeout(resolve, options.durationSeconds * 1000));
    clearInterval(report);
    clearInterval(progress);
    const sendingEndedAt = performance.now();
    await Promise.all([schedule.stop(), sessions?.stop()]);
    const runMs = sendingEndedAt - started;
    const summary = {
      type: 'summary',
      kiosks: options.kiosks,
      api_urls: options.apiUrls.length,
      ...stats.describeTotal(runMs / 1000),
      heartbeats: {
        due: stats.heartbeatsDue,
        sent: stats.heartbeatsSent,
        skipped_previous_unanswered: stats.heartbeatsSkipped,
      },
      sessions: { ...stats.sessions, per_hour_asked: options.sessionsPerHour },
      error_window:
        stats.firstErrorAt === undefined
          ? null
          : {
              first_s: seconds(stats.firstErrorAt - started),
              last_s: seconds((stats.lastErrorAt ?? stats.firstErrorAt) - started),
              ms: Math.round((stats.lastErrorAt ?? stats.firstErrorAt) - stats.firstErrorAt),
            },
    };
    out.figures(summary);
    return summary;
  } finally {
    http.close();
    await acks.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
