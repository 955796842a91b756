import { connect } from 'node:net';

/** Where libpcsclite finds pcscd (the client honours the same variable). */
export function pcscdSocketPath(): string {
  return process.env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm';
}

/**
 * True when pcscd accepts connections on its socket. The pcsclite binding must not be created
 * without this check: its constructor retries `SCardEstablishContext` in a busy loop on the main
 * thread for as long as pcscd is missing.
 */
export function isPcscdReachable(socketPath = pcscdSocketPath(), timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path: socketPath });
    const done = (reachable: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reachable);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
