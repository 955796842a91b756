import { FLEET_USAGE, FleetUsageError, parseFleetOptions } from './fleet-options';
import { runFleet } from './run-fleet';

/** `npm run fleet -- --api URL[,URL…] --kiosks N --duration SECONDS …` (see fleet-options.ts). */
try {
  const options = parseFleetOptions(process.argv.slice(2), process.env);
  if (options === 'help') {
    console.log(FLEET_USAGE);
  } else {
    await runFleet(options);
  }
} catch (error) {
  if (error instanceof FleetUsageError) {
    console.error(`${error.message}\n\n${FLEET_USAGE}`);
    process.exit(2);
  }
  console.error(`fleet: ${(error as Error).message}`);
  process.exit(1);
}
