import { connect } from 'node:net';

/** Where libpcsclite finds pcscd (the client honours the same variable). */
export function pcscdSocketPath(): string {
  return process.env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm';
}

/** pcsc-lite's CMD_VERSION: the first message every libpcsclite client sends. */
const CMD_VERSION = 0x11;
/** The protocol version asked (any answer will do: it proves pcscd serves clients). */
const PROTOCOL = { major: 4, minor: 4 };
/** The answer: the version struct back (major, minor, return value), 3 × 32 bits. */
const VERSION_ANSWER_BYTES = 12;

/** `{size, command}` header and the version struct, in the host's byte order as pcsc-lite sends them. */
function versionRequest(): Buffer {
  const message = Buffer.alloc(20);
  message.writeUInt32LE(12, 0);
  message.writeUInt32LE(CMD_VERSION, 4);
  message.writeInt32LE(PROTOCOL.major, 8);
  message.writeInt32LE(PROTOCOL.minor, 12);
  message.writeUInt32LE(0, 16);
  return message;
}

/**
 * True when pcscd serves clients: it answers the version exchange libpcsclite starts every session
 * with, within `timeoutMs`. The pcsclite binding must not be created without this check: its
 * constructor retries `SCardEstablishContext` in a busy loop on the main thread for as long as
 * pcscd is missing, and libpcsclite's connect blocks the main thread when pcscd listens but does
 * not accept (a pcscd starting under load: its queue of pending connections fills). A socket that
 * merely accepts the connection is therefore not enough; Node's own connect never blocks.
 */
export function isPcscdReachable(socketPath = pcscdSocketPath(), timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path: socketPath });
    let received = 0;
    const done = (reachable: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reachable);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write(versionRequest()));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= VERSION_ANSWER_BYTES) done(true);
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
