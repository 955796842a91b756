import { describe, expect, it } from 'vitest';
import { CardError } from '../../hardware/card-error';
import type { PcscCardTransport } from '../../hardware/pcsc/pcsc-card-transport';
import { PcscCardSession, type PcscConnector } from './pcsc-card-session';

/** A connector whose connects fail `failures` times, then give a transport that echoes 90 00. */
function connector(failures: number) {
  const log: string[] = [];
  let left = failures;
  const source: PcscConnector = {
    async connect(reader) {
      log.push(`connect ${reader}`);
      if (left-- > 0) throw new CardError('card-removed', 'not yet');
      return {
        transmit: async () => Uint8Array.from([0x90, 0x00]),
        close: async () => void log.push('close'),
      } as unknown as PcscCardTransport;
    },
  };
  return { source, log };
}

describe('PC/SC card session', () => {
  it('connects on the first command only, and resets the card when closed', async () => {
    const { source, log } = connector(0);
    const session = new PcscCardSession(source, 'Reader 0', '3BE000');
    expect([...session.atr]).toEqual([0x3b, 0xe0, 0x00]);
    expect(log).toEqual([]);
    await session.transmit(Uint8Array.from([0, 0xa4, 4, 0]));
    await session.transmit(Uint8Array.from([0, 0xa4, 4, 0]));
    await session.close();
    expect(log).toEqual(['connect Reader 0', 'close']);
    await expect(session.transmit(Uint8Array.from([0]))).rejects.toMatchObject({ kind: 'card-removed' });
  });

  it('tries the connect again after one failed', async () => {
    const { source, log } = connector(1);
    const session = new PcscCardSession(source, 'Reader 0', '3B');
    await expect(session.transmit(Uint8Array.from([0]))).rejects.toMatchObject({ kind: 'card-removed' });
    expect([...(await session.transmit(Uint8Array.from([0])))]).toEqual([0x90, 0x00]);
    expect(log).toEqual(['connect Reader 0', 'connect Reader 0']);
  });
});
