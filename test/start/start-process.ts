import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The lines `npm start` prints, parsed. */
export interface StartedUrls {
  api: string;
  kiosk: string;
  panel: string;
  dashboard: string;
  operatorName: string;
  operatorToken: string;
}

export interface StartedProduct {
  urls: StartedUrls;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /**
   * Sends `signal` to npm alone (what a supervisor does), or to the whole process group (what
   * Ctrl-C in a terminal does); resolves with npm's exit code.
   */
  stop(signal?: NodeJS.Signals, target?: 'npm' | 'group'): Promise<number | null>;
}

function parseUrls(text: string): StartedUrls | undefined {
  const line = (label: string) => new RegExp(`^${label}: (\\S+)`, 'm').exec(text)?.[1];
  const login = /^Operator login: name (\S+), token (\S+)$/m.exec(text);
  const [api, kiosk, panel, dashboard] = [
    line('Reservation API'),
    line('Kiosk UI'),
    line('Simulation panel'),
    line('Operator dashboard'),
  ];
  if (!api || !kiosk || !panel || !dashboard || !login?.[1] || !login[2]) return undefined;
  return { api, kiosk, panel, dashboard, operatorName: login[1], operatorToken: login[2] };
}

/**
 * Runs `npm start -- --port 0 --data DIR` exactly as a new user would (npm, tsx, the script), in
 * its own process group, and waits for the URLs it prints.
 */
export function runNpmStart(dataDir: string): Promise<StartedProduct> {
  const child: ChildProcessWithoutNullStreams = spawn(
    'npm',
    ['start', '--', '--port', '0', '--data', dataDir],
    {
      cwd: ROOT,
      detached: true,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise<StartedProduct>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const urls = parseUrls(stdout);
      if (!urls) return;
      resolve({
        urls,
        stdout: () => stdout,
        async stop(signal = 'SIGINT', target = 'group') {
          const pid = child.pid;
          if (child.exitCode !== null || child.signalCode !== null || pid === undefined) return exited;
          process.kill(target === 'group' ? -pid : pid, signal);
          // Only a safety net for a hung shutdown (the test then fails on the exit code).
          const killer = setTimeout(() => process.kill(-pid, 'SIGKILL'), 15_000);
          const code = await exited;
          clearTimeout(killer);
          return code;
        },
      });
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    void exited.then((code) =>
      reject(new Error(`npm start exited (${code}) before printing its URLs:\n${stdout}\n${stderr}`)),
    );
  });
}
