export { connectReaderToSession, type ReaderStatusListener } from './connect-reader';
export { READER_STATUS_EVENT_TYPES, type ReaderSourceEvent, type ReaderStatusEvent } from './reader-events';
export {
  type ReaderContext,
  readerHeartbeat,
  type ReaderHeartbeatStatus,
  readerMachine,
  type ReaderMachine,
  type ReaderMachineInput,
  type ReaderSnapshot,
  readerStatusEvents,
} from './reader-machine';
