import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  isAlive,
  PcscStackError,
  readStackState,
  runningPcscd,
  startPcscStack,
  stopPcscStack,
  type PcscStackState,
} from './pcscd-stack';

/**
 * `npm run pcscd` — the project's pcscd for demos and manual checks.
 *
 *   npm run pcscd                    start, print the readers, run until Ctrl-C (then stop pcscd)
 *   npm run pcscd -- --detach        start and leave it running
 *   npm run pcscd -- stop            stop this project's pcscd (by PID)
 *   npm run pcscd -- status          say what runs
 *   --readers N                      how many vpcd readers (default 4, two per vpcd entry)
 */

const USAGE = 'usage: npm run pcscd -- [start|stop|status] [--readers N] [--detach]';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      readers: { type: 'string', default: '4' },
      detach: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0] ?? 'start';
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  switch (command) {
    case 'start':
      return start(Number(values.readers), values.detach);
    case 'stop': {
      const pid = await stopPcscStack();
      console.log(pid ? `pcscd (PID ${pid}) stopped.` : describeNotOurs());
      return 0;
    }
    case 'status': {
      const state = readStackState();
      console.log(state ? describe(state) : describeNotOurs());
      return state ? 0 : 1;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

async function start(readers: number, detach: boolean): Promise<number> {
  const already = readStackState();
  if (already) {
    console.log(`pcscd is already running (started earlier by this project).\n${describe(already)}`);
    return 0;
  }
  const stack = await startPcscStack({ readers, log: (message) => console.log(message) });
  console.log(describe(readStackState() ?? failNoState()));
  if (detach) {
    console.log('Left running; stop it with: npm run pcscd -- stop');
    return 0;
  }
  console.log('Press Ctrl-C to stop pcscd.');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    console.log('pcscd stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // Follow the stack rather than one PID: tests may restart this pcscd while it serves a demo.
  for (;;) {
    await sleep(500);
    const state = readStackState();
    if (!state || !isAlive(state.pid)) {
      console.error('pcscd is no longer running.');
      return 1;
    }
  }
}

function describe(state: PcscStackState): string {
  const lines = [
    `pcscd PID ${state.pid}, TCP_NODELAY shim ${state.nodelay ? 'on' : 'OFF (slow)'}, log ${state.logFile}`,
    ...state.readers.map((reader) => `  "${reader.name}"  vpcd 127.0.0.1:${reader.port}`),
    `Attach a card: npm run virtual-card -- --card FILE --vpcd 127.0.0.1:${state.readers[0]?.port ?? 35963}`,
  ];
  return lines.join('\n');
}

function describeNotOurs(): string {
  const other = runningPcscd();
  return other
    ? `This project's pcscd is not running; another pcscd is (PID ${other.pid}: ${other.args.join(' ')}).`
    : 'pcscd is not running.';
}

function failNoState(): never {
  throw new PcscStackError('pcscd started but left no state file');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof PcscStackError ? error.message : error);
    process.exit(1);
  },
);
