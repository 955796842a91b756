import { parseArgs } from 'node:util';

/** Where the card comes from: the PC/SC reader, or a virtual card file always at hand. */
export type CardSource = { kind: 'pcsc'; readerName?: string } | { kind: 'card-file'; path: string };

export interface KioskCliOptions {
  /** The reservation API's base URL (overrides the one in the credentials file). */
  apiUrl?: string;
  credentialsPath: string;
  cardSource: CardSource;
  dataDir: string;
}

export const KIOSK_USAGE =
  'usage: npm run kiosk -- --api URL --credentials FILE [--reader pcsc [--reader-name NAME] | --card FILE] [--data DIR]';

/** A command line the kiosk cannot run with. */
export class KioskUsageError extends Error {
  override readonly name = 'KioskUsageError';
}

/** Parses the kiosk's command line (without node and script). */
export function parseKioskOptions(args: readonly string[]): KioskCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        api: { type: 'string' },
        credentials: { type: 'string' },
        reader: { type: 'string' },
        'reader-name': { type: 'string' },
        card: { type: 'string' },
        data: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new KioskUsageError(`${(error as Error).message}\n${KIOSK_USAGE}`);
  }
  if (!values.credentials) throw new KioskUsageError(`--credentials FILE is required\n${KIOSK_USAGE}`);
  if (values.reader !== undefined && values.card !== undefined) {
    throw new KioskUsageError(`--reader and --card exclude each other\n${KIOSK_USAGE}`);
  }
  if (values.reader !== undefined && values.reader !== 'pcsc') {
    throw new KioskUsageError(`--reader must be pcsc\n${KIOSK_USAGE}`);
  }
  if (values['reader-name'] !== undefined && values.card !== undefined) {
    throw new KioskUsageError(`--reader-name goes with the PC/SC reader, not --card\n${KIOSK_USAGE}`);
  }
  if (values.api !== undefined && !/^https?:\/\//.test(values.api)) {
    throw new KioskUsageError(`--api must be an http(s) URL\n${KIOSK_USAGE}`);
  }
  return {
    ...(values.api === undefined ? {} : { apiUrl: values.api }),
    credentialsPath: values.credentials,
    cardSource:
      values.card !== undefined
        ? { kind: 'card-file', path: values.card }
        : {
            kind: 'pcsc',
            ...(values['reader-name'] === undefined ? {} : { readerName: values['reader-name'] }),
          },
    dataDir: values.data ?? 'kiosk-data',
  };
}
