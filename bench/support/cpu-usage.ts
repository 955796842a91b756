import { readFileSync } from 'node:fs';

/**
 * CPU time accounting for a load run on Linux, from /proc: a server process's CPU (all its threads,
 * so the libuv pool's crypto and fsyncs count), this process's, and the whole machine's busy time.
 * On a small box the client shares the cores with the server, so "req/s" alone cannot say which
 * side a change helped; these say where the time went.
 */

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface CpuSample {
  serverMs: number;
  clientMs: number;
  machineBusyMs: number;
  machineTotalMs: number;
}

export interface CpuPerOperation {
  /** Server process CPU per operation, ms (main thread + thread pool). */
  serverCpuMs: number;
  /** Load generator (this process) CPU per operation, ms. */
  clientCpuMs: number;
  /** Share of the machine's cores busy during the run, 0–1. */
  machineBusy: number;
}

export function sampleCpu(serverPid: number | undefined): CpuSample {
  const own = process.cpuUsage();
  const machine = machineTicks();
  return {
    serverMs: serverPid === undefined ? 0 : processTicks(serverPid) * (1000 / TICKS_PER_SECOND),
    clientMs: (own.user + own.system) / 1000,
    machineBusyMs: machine.busy * (1000 / TICKS_PER_SECOND),
    machineTotalMs: machine.total * (1000 / TICKS_PER_SECOND),
  };
}

export function cpuPerOperation(before: CpuSample, after: CpuSample, operations: number): CpuPerOperation {
  const total = after.machineTotalMs - before.machineTotalMs;
  return {
    serverCpuMs: (after.serverMs - before.serverMs) / operations,
    clientCpuMs: (after.clientMs - before.clientMs) / operations,
    machineBusy: total > 0 ? (after.machineBusyMs - before.machineBusyMs) / total : 0,
  };
}

/** utime + stime of a process (fields 14 and 15 of /proc/PID/stat, after the parenthesised name). */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** The aggregate "cpu" line of /proc/stat: busy = everything but idle and iowait. */
function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((sum, value) => sum + value, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}
