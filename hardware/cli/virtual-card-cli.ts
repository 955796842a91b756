import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CardFileError } from '../virtual-card/card-file';
import { VirtualCard } from '../virtual-card/virtual-card';
import { VpcdBridge } from '../virtual-card/vpcd-bridge';

/**
 * `npm run virtual-card -- --card FILE --vpcd HOST:PORT` — puts a virtual My Number Card into a
 * vpcd reader and keeps it there until SIGTERM or SIGINT, which take it out. The card saves every
 * change of its state (PIN counters, PINs) to its file as it happens; reconnects if pcscd restarts.
 */

const USAGE = 'usage: npm run virtual-card -- --card FILE --vpcd HOST:PORT';

export interface VpcdEndpoint {
  host: string;
  port: number;
}

/** Parses `HOST:PORT` (`[::1]:35963` for IPv6). */
export function parseVpcdEndpoint(text: string): VpcdEndpoint {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2];
  if (!host || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`--vpcd must be HOST:PORT, e.g. 127.0.0.1:35963 (got "${text}")`);
  }
  return { host, port };
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { card: { type: 'string' }, vpcd: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    console.error(`virtual-card: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.card || !values.vpcd) {
    console.error(USAGE);
    return 2;
  }
  let endpoint: VpcdEndpoint;
  try {
    endpoint = parseVpcdEndpoint(values.vpcd);
  } catch (error) {
    console.error(`virtual-card: ${(error as Error).message}`);
    return 2;
  }
  const cardPath = resolve(values.card);
  const card = VirtualCard.fromFile(cardPath);
  const log = (message: string) => console.error(`virtual-card: ${message}`);
  const bridge = new VpcdBridge(card, { ...endpoint, log });
  log(`card "${card.state.persona}" (${cardPath}) waiting for vpcd at ${endpoint.host}:${endpoint.port}`);
  bridge.connect();

  await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGTERM', () => done('SIGTERM'));
    process.once('SIGINT', () => done('SIGINT'));
  });
  await bridge.disconnect();
  log('card removed; its state is in its file');
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      // A missing or invalid card file is the user's to fix: say so plainly; anything else is a bug.
      const plain = error instanceof CardFileError || (error as NodeJS.ErrnoException).code === 'ENOENT';
      console.error(
        `virtual-card: ${plain ? (error as Error).message : ((error as Error).stack ?? String(error))}`,
      );
      process.exit(1);
    },
  );
}
