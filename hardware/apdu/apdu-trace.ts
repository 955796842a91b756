import { formatSw } from '../card-error';
import type { CommandApdu } from './command-apdu';

/**
 * What of an APDU may be written to a log. Only the header, the lengths and the status word are
 * shown; command data only for SELECT (a file or application id). The data of VERIFY, CHANGE
 * REFERENCE DATA, RESET RETRY COUNTER (PINs) and EXTERNAL AUTHENTICATE (the reset cryptogram) is
 * masked without even its length; response data is never shown.
 */

const INS_SELECT = 0xa4;
/** Instructions whose data is secret: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, EXTERNAL AUTHENTICATE. */
export const SECRET_DATA_INS: ReadonlySet<number> = new Set([0x20, 0x24, 0x2c, 0x82]);

function hex(bytes: Iterable<number>): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
}

/** One-line description of a command for logs, e.g. `00A4020C [000A]` or `00200080 [masked]`. */
export function describeCommand(command: CommandApdu): string {
  const header = hex([command.cla, command.ins, command.p1, command.p2]);
  const nc = command.data?.length ?? 0;
  let data = '';
  if (nc > 0) {
    if (SECRET_DATA_INS.has(command.ins)) data = ' [masked]';
    else if (command.ins === INS_SELECT) data = ` [${hex(command.data as Uint8Array)}]`;
    else data = ` [${nc} bytes]`;
  }
  const le = command.le === undefined ? '' : ` Le=${command.le}`;
  return `${header}${data}${le}`;
}

/** Log fields for one exchange: the command and either the response's SW and length or the failure. */
export function traceFields(
  command: CommandApdu,
  outcome: { sw: number; responseLength: number } | { error: string },
): Record<string, unknown> {
  return 'error' in outcome
    ? { apdu: describeCommand(command), error: outcome.error }
    : { apdu: describeCommand(command), sw: formatSw(outcome.sw), responseLength: outcome.responseLength };
}
