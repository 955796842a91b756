import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseKioskCredentials } from '../../reservation-api/contract';
import { KioskApiClient } from '../api-client/kiosk-api-client';
import { startKioskRuntime } from '../runtime/kiosk-runtime';
import { attachPcscReader } from '../runtime/pcsc-reader';
import { simulateReader } from '../runtime/simulated-reader';
import { KioskUsageError, parseKioskOptions } from './kiosk-options';

/** `npm run kiosk -- --api URL --credentials FILE [--reader pcsc [--reader-name NAME] | --card FILE] [--data DIR]`. */
async function main(): Promise<void> {
  const options = parseKioskOptions(process.argv.slice(2));
  const credentials = parseKioskCredentials(
    readFileSync(options.credentialsPath, 'utf8'),
    options.credentialsPath,
  );
  const api = KioskApiClient.fromCredentials(
    credentials,
    options.apiUrl === undefined ? {} : { baseUrl: options.apiUrl },
  );
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const { cardSource } = options;
  const kiosk = await startKioskRuntime({
    api,
    procedures: credentials.procedures,
    dataDir,
    now: Date.now,
    ...(cardSource.kind === 'pcsc' && cardSource.readerName !== undefined
      ? { readerName: cardSource.readerName }
      : {}),
  });
  let stopReader: () => Promise<void> | void;
  if (cardSource.kind === 'pcsc') {
    const attached = attachPcscReader(kiosk);
    stopReader = () => attached.stop();
  } else {
    stopReader = simulateReader(kiosk, resolve(cardSource.path));
  }
  process.stdout.write(`Kiosk UI: ${kiosk.ui.url}\n`);

  const shutdown = () => {
    void Promise.resolve(stopReader())
      .then(() => kiosk.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  // Only the message: errors here never carry PIN or token data, but stacks are noise for operators.
  process.stderr.write(`kiosk: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof KioskUsageError ? 2 : 1);
});
