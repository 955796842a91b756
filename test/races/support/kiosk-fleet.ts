import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KioskCommand, KioskReply, ReplyOf } from './kiosk-protocol';

/**
 * Kiosks as separate OS processes (kiosk-process.ts, run through tsx), each with its own key and
 * connections to a real listening API. `sendAll` hands every kiosk its command at once and waits for
 * every reply, so requests from different processes really race at the server.
 */

export interface FleetKiosk {
  kioskId: string;
  privateKeyPem: string;
}

export interface KioskFleet {
  readonly kioskIds: readonly string[];
  /** Sends each kiosk its command (by index; undefined: none) and resolves with the replies in order. */
  sendAll<C extends KioskCommand>(commands: (C | undefined)[]): Promise<(ReplyOf<C> | undefined)[]>;
  close(): Promise<void>;
}

const KIOSK_SCRIPT = fileURLToPath(new URL('./kiosk-process.ts', import.meta.url));
/** A kiosk that does not answer a command within this is a failure of the test, not a hang. */
const REPLY_DEADLINE_MS = 30_000;

function nextMessage(child: ChildProcess, kioskId: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`kiosk ${kioskId} did not answer`)), REPLY_DEADLINE_MS);
    const onMessage = (message: unknown) => finish(undefined, message);
    const onExit = (code: number | null) => finish(new Error(`kiosk ${kioskId} exited (${code})`));
    function finish(error: Error | undefined, message?: unknown) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Forks one process per kiosk and waits until each is ready. */
export async function startKioskFleet(options: {
  baseUrl: string;
  kiosks: FleetKiosk[];
  now: number;
}): Promise<KioskFleet> {
  const children = options.kiosks.map((kiosk) =>
    fork(KIOSK_SCRIPT, [], {
      execArgv: ['--import', 'tsx'],
      env: {
        PATH: process.env['PATH'],
        RACE_API_URL: options.baseUrl,
        RACE_KIOSK_ID: kiosk.kioskId,
        RACE_KIOSK_KEY: kiosk.privateKeyPem,
        RACE_NOW: String(options.now),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const fleet: KioskFleet = {
    kioskIds: options.kiosks.map((kiosk) => kiosk.kioskId),
    async sendAll<C extends KioskCommand>(commands: (C | undefined)[]) {
      return Promise.all(
        children.map(async (child, i) => {
          const command = commands[i];
          if (!command) return undefined;
          const reply = nextMessage(child, fleet.kioskIds[i]!);
          child.send(command);
          const message = (await reply) as KioskReply | { type: 'failed'; message: string };
          if (message.type === 'failed') throw new Error(`kiosk ${fleet.kioskIds[i]}: ${message.message}`);
          if (message.type !== command.type)
            throw new Error(`kiosk ${fleet.kioskIds[i]} answered ${message.type}`);
          return message as ReplyOf<C>;
        }),
      );
    },
    async close() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              if (child.connected) child.send({ type: 'exit' });
              // Bounded: a kiosk that does not leave on request is killed.
              setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
            }),
        ),
      );
    },
  };
  try {
    await Promise.all(children.map((child, i) => nextMessage(child, fleet.kioskIds[i]!)));
  } catch (error) {
    await fleet.close();
    throw error;
  }
  return fleet;
}
