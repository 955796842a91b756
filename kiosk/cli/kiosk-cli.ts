import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseKioskCredentials } from '../../reservation-api/contract';
import { KioskApiClient } from '../api-client/kiosk-api-client';
import { startKioskRuntime } from '../runtime/kiosk-runtime';
import { simulateReaderWithCard } from '../runtime/simulated-reader';
import { KioskUsageError, parseKioskOptions } from './kiosk-options';

/** `npm run kiosk -- --api URL --credentials FILE [--reader pcsc | --card FILE] [--data DIR]`. */
async function main(): Promise<void> {
  const options = parseKioskOptions(process.argv.slice(2));
  if (options.cardSource.kind === 'pcsc') {
    throw new KioskUsageError('--reader pcsc is not wired into the runtime yet; use --card FILE');
  }
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
  const kiosk = await startKioskRuntime({ api, procedures: credentials.procedures, dataDir, now: Date.now });
  const stopReader = simulateReaderWithCard(kiosk.actor, kiosk.slot, resolve(options.cardSource.path));
  process.stdout.write(`Kiosk UI: ${kiosk.ui.url}\n`);

  const shutdown = () => {
    stopReader();
    void kiosk.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  // Only the message: errors here never carry PIN or token data, but stacks are noise for operators.
  process.stderr.write(`kiosk: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof KioskUsageError ? 2 : 1);
});
