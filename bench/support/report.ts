import { cpus, loadavg, totalmem } from 'node:os';
import { round } from './stats';

/**
 * The benchmark's output: one JSON object per line on stdout (figures), progress on stderr.
 * A figure with a baseline carries `ratio` = value / baseline and `better` ("higher" or "lower"),
 * so a reader knows which direction is good without knowing the metric.
 */

export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  better?: 'higher' | 'lower';
  target?: string;
  note?: string;
  [extra: string]: unknown;
}

/** Prints one figure as a JSON line (numbers rounded; ratio computed when a baseline is given). */
export function emit(figure: Figure): void {
  const line: Record<string, unknown> = { ...figure, value: round(figure.value) };
  if (figure.baseline !== undefined) {
    line['baseline'] = round(figure.baseline);
    line['ratio'] = round(figure.value / figure.baseline);
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** A progress line on stderr. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** The machine the figures come from (printed once, first). */
export function machineInfo(): Record<string, unknown> {
  const cores = cpus();
  return {
    name: 'machine',
    cpu: cores[0]?.model ?? 'unknown',
    cores: cores.length,
    memory_gb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
    // Other work on the machine slows every figure (baselines too): the 1/5/15-minute load averages.
    load_average: loadavg().map((l) => round(l, 2)),
  };
}

/** The load on the machine at the end of the run (printed last, to compare with the start). */
export function loadAtEnd(): Record<string, unknown> {
  return { name: 'machine.load_at_end', load_average: loadavg().map((l) => round(l, 2)) };
}
