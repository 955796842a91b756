import { PcscReaderSource, type PcscReaderSourceOptions } from '../../hardware/pcsc/pcsc-reader-source';
import type { ReaderEvent } from '../../hardware/transport/card-transport';
import type { KioskRuntime } from './kiosk-runtime';
import { type PcscConnector, PcscCardSession } from './pcsc-card-session';

/** What attaching a PC/SC reader needs of the source (the real `PcscReaderSource`, or a test's). */
export interface PcscSource extends PcscConnector {
  start(): void;
  stop(): Promise<void>;
  subscribe(listener: (event: ReaderEvent) => void): () => void;
}

export interface AttachPcscReaderOptions {
  /** A source to use (default: a new `PcscReaderSource` with `sourceOptions`, started and stopped here). */
  source?: PcscSource;
  sourceOptions?: PcscReaderSourceOptions;
}

export interface AttachedPcscReader {
  source: PcscSource;
  /** Detaches and, when the source was created here, stops it (closing every card session). */
  stop(): Promise<void>;
}

/**
 * `--reader pcsc`: the PC/SC reader source feeds the kiosk's reader machine (readers, cards,
 * pcscd going and coming back), and each card the machine reports gets a `PcscCardSession` in
 * the card slot. pcscd gone → the reader machine reports the reader unavailable → out of service;
 * pcscd back with the reader → ready again.
 */
export function attachPcscReader(
  kiosk: Pick<KioskRuntime, 'reader' | 'slot'>,
  options: AttachPcscReaderOptions = {},
): AttachedPcscReader {
  const owned = options.source === undefined;
  const source: PcscSource = options.source ?? new PcscReaderSource(options.sourceOptions);
  kiosk.slot.useOpener((reader, atr) => new PcscCardSession(source, reader, atr));
  const unsubscribe = source.subscribe((event) => kiosk.reader.send(event));
  if (owned) source.start();
  return {
    source,
    async stop() {
      unsubscribe();
      kiosk.slot.remove();
      kiosk.slot.useOpener(undefined);
      if (owned) await source.stop();
    },
  };
}
