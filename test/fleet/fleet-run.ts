import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Acknowledged } from '../../bench/fleet/ack-log';

/**
 * `npm run fleet -- …` as a user runs it, in a child process: its stdout JSON lines parsed, its
 * stderr kept for failure messages.
 */

const ROOT = join(import.meta.dirname, '..', '..');

export interface FleetRun {
  code: number | null;
  lines: Array<Record<string, unknown> & { type: string }>;
  stderr: string;
  summary: FleetSummary;
}

export interface FleetSummary {
  acknowledged: Record<string, number>;
  errors: Record<string, Record<string, number>>;
  heartbeats: { due: number; sent: number; skipped_previous_unanswered: number };
  sessions: { started: number; completed: number; failed: number; noCard: number };
  error_window: { first_s: number; last_s: number; ms: number } | null;
  heartbeats_per_s: number;
  heartbeats_asked_per_s: number;
}

export function runFleetCommand(
  args: string[],
  env: Record<string, string> = {},
  /** Called with each progress line (e.g. to act at a moment of the run). */
  onProgress: (line: string) => void = () => {},
): Promise<FleetRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'fleet', '--', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      for (const line of text.split('\n')) if (line.trim() !== '') onProgress(line);
      stderr = (stderr + text).slice(-20_000);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const lines = stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as FleetRun['lines'][number]);
      const summary = lines.find((line) => line.type === 'summary') as unknown as FleetSummary;
      if (code !== 0 || !summary) {
        reject(new Error(`npm run fleet exited ${code}:\n${stderr}\n${stdout}`));
        return;
      }
      resolve({ code, lines, stderr, summary });
    });
  });
}

/** The acknowledged writes of an --ack-log file. */
export function readAckLog(path: string): Acknowledged[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Acknowledged);
}

/** The highest acknowledged heartbeat number of each kiosk. */
export function lastAcknowledgedHeartbeats(acks: readonly Acknowledged[]): Map<string, number> {
  const last = new Map<string, number>();
  for (const ack of acks) {
    if (ack.kind === 'heartbeat') last.set(ack.kioskId, Math.max(ack.seq, last.get(ack.kioskId) ?? 0));
  }
  return last;
}
