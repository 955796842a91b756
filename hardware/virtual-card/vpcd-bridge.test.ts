import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeVpcdFrame, VpcdBridge, VpcdFrameReader, type VpcdCard } from './vpcd-bridge';

const ATR = Uint8Array.from([0x3b, 0xe0, 0x00, 0xff, 0x81, 0x31, 0xfe, 0x45, 0x14]);

/** A card that records what it was asked and echoes the command's INS before 90 00. */
class RecordingCard implements VpcdCard {
  readonly atr = ATR;
  readonly calls: string[] = [];
  powerOn() {
    this.calls.push('on');
  }
  powerOff() {
    this.calls.push('off');
  }
  reset() {
    this.calls.push('reset');
  }
  process(command: Uint8Array) {
    this.calls.push('apdu');
    return Uint8Array.from([command[1] ?? 0, 0x90, 0x00]);
  }
}

/** Plays vpcd: listens, accepts the card, sends frames and collects the card's replies. */
class FakeVpcd {
  private readonly server: Server;
  private readonly accepted: Socket[] = [];
  private readonly replies: Buffer[] = [];
  private wake: (() => void) | undefined;

  private constructor() {
    this.server = createServer((socket) => {
      this.accepted.push(socket);
      const frames = new VpcdFrameReader();
      socket.on('data', (chunk: Buffer) => {
        this.replies.push(...frames.push(chunk));
        this.wake?.();
      });
      this.wake?.();
    });
  }

  static async listen(port = 0): Promise<FakeVpcd> {
    const vpcd = new FakeVpcd();
    await new Promise<void>((resolve) => vpcd.server.listen(port, '127.0.0.1', resolve));
    return vpcd;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get connections(): number {
    return this.accepted.length;
  }

  async waitFor(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  send(bytes: Uint8Array): void {
    this.accepted.at(-1)?.write(bytes);
  }

  async reply(): Promise<Buffer> {
    await this.waitFor(() => this.replies.length > 0);
    return this.replies.shift() ?? Buffer.alloc(0);
  }

  dropCard(): void {
    this.accepted.at(-1)?.destroy();
  }

  close(): Promise<void> {
    for (const socket of this.accepted) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function attached(card: VpcdCard = new RecordingCard()) {
  const vpcd = await FakeVpcd.listen();
  const bridge = new VpcdBridge(card, { host: '127.0.0.1', port: vpcd.port, reconnectDelayMs: 5 });
  cleanups.push(
    () => vpcd.close(),
    () => bridge.disconnect(),
  );
  bridge.connect();
  await bridge.waitUntilConnected();
  await vpcd.waitFor(() => vpcd.connections === 1);
  return { vpcd, bridge };
}

describe('vpcd framing', () => {
  it('prefixes a 2-byte big-endian length', () => {
    expect([...encodeVpcdFrame(Uint8Array.from([0xaa, 0xbb, 0xcc]))]).toEqual([0x00, 0x03, 0xaa, 0xbb, 0xcc]);
  });

  it('reassembles frames split across chunks and several frames in one chunk', () => {
    const reader = new VpcdFrameReader();
    expect(reader.push(Buffer.from([0x00]))).toEqual([]);
    expect(reader.push(Buffer.from([0x02, 0x01]))).toEqual([]);
    const frames = reader.push(Buffer.from([0x02, 0x00, 0x01, 0x04]));
    expect(frames.map((frame) => [...frame])).toEqual([[0x01, 0x02], [0x04]]);
  });
});

describe('VpcdBridge', () => {
  it('answers get-ATR and APDUs, and powers the card on, off and resets it without replying', async () => {
    const card = new RecordingCard();
    const { vpcd } = await attached(card);
    vpcd.send(encodeVpcdFrame(Uint8Array.from([0x01])));
    vpcd.send(encodeVpcdFrame(Uint8Array.from([0x02])));
    vpcd.send(encodeVpcdFrame(Uint8Array.from([0x04])));
    expect([...(await vpcd.reply())]).toEqual([...ATR]);
    vpcd.send(encodeVpcdFrame(Uint8Array.from([0x00, 0xa4, 0x04, 0x0c])));
    expect([...(await vpcd.reply())]).toEqual([0xa4, 0x90, 0x00]);
    vpcd.send(encodeVpcdFrame(Uint8Array.from([0x00])));
    vpcd.send(encodeVpcdFrame(Uint8Array.from([0x04])));
    await vpcd.reply();
    expect(card.calls).toEqual(['on', 'reset', 'apdu', 'off']);
  });

  it('answers in order even when the card answers asynchronously', async () => {
    let release: (() => void) | undefined;
    const slow: VpcdCard = {
      atr: ATR,
      powerOn() {},
      powerOff() {},
      reset() {},
      process: (command) =>
        new Promise((resolve) => (release = () => resolve(Uint8Array.from([command[1] ?? 0, 0x90, 0x00])))),
    };
    const { vpcd } = await attached(slow);
    vpcd.send(encodeVpcdFrame(Uint8Array.from([0x00, 0xb0, 0x00, 0x00])));
    vpcd.send(encodeVpcdFrame(Uint8Array.from([0x04])));
    await vi.waitFor(() => expect(release).toBeDefined());
    release?.();
    expect([...(await vpcd.reply())]).toEqual([0xb0, 0x90, 0x00]);
    expect([...(await vpcd.reply())]).toEqual([...ATR]);
  });

  it('answers 6F 00 when the card throws', async () => {
    const broken: VpcdCard = {
      atr: ATR,
      powerOn() {},
      powerOff() {},
      reset() {},
      process: () => {
        throw new Error('bug');
      },
    };
    const { vpcd } = await attached(broken);
    vpcd.send(encodeVpcdFrame(Uint8Array.from([0x00, 0xa4, 0x04, 0x0c])));
    expect([...(await vpcd.reply())]).toEqual([0x6f, 0x00]);
  });

  it('powers the card off and reconnects when vpcd goes away', async () => {
    const card = new RecordingCard();
    const { vpcd, bridge } = await attached(card);
    const disconnected = new Promise((resolve) => bridge.once('disconnected', resolve));
    vpcd.dropCard();
    await disconnected;
    expect(card.calls).toEqual(['off']);
    await bridge.waitUntilConnected();
    await vpcd.waitFor(() => vpcd.connections === 2);
    vpcd.send(encodeVpcdFrame(Uint8Array.from([0x04])));
    expect([...(await vpcd.reply())]).toEqual([...ATR]);
  });

  it('keeps trying until vpcd listens', async () => {
    const probe = await FakeVpcd.listen();
    const port = probe.port;
    await probe.close();
    const bridge = new VpcdBridge(new RecordingCard(), { host: '127.0.0.1', port, reconnectDelayMs: 5 });
    cleanups.push(() => bridge.disconnect());
    bridge.connect();
    expect(bridge.state).toBe('connecting');
    const vpcd = await FakeVpcd.listen(port);
    cleanups.push(() => vpcd.close());
    await bridge.waitUntilConnected();
    expect(bridge.state).toBe('connected');
  });

  it('disconnect() takes the card out for good: the socket closes and no reconnect follows', async () => {
    const card = new RecordingCard();
    const { vpcd, bridge } = await attached(card);
    await bridge.disconnect();
    expect(bridge.state).toBe('stopped');
    expect(card.calls).toEqual(['off']);
    vpcd.send(encodeVpcdFrame(Uint8Array.from([0x04])));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(vpcd.connections).toBe(1);
  });
});
