/**
 * Minimal logger the card layer writes APDU traces to. `hardware/` depends on nothing of ours, so it
 * takes this shape instead of a concrete logger (pino's logger satisfies it).
 */
export interface ApduLogger {
  debug(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: ApduLogger = { debug() {} };
