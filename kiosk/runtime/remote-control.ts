import type { Actor } from 'xstate';
import type { HeartbeatResponse } from '../../reservation-api/contract';
import type { ReaderMachine } from '../../state-machines/reader';
import { readerHeartbeat } from '../../state-machines/reader';
import type { SessionMachine } from '../../state-machines/session';
import type { Outbox } from '../journal/outbox';

export interface RemoteControlOptions {
  session: Actor<SessionMachine>;
  reader: Actor<ReaderMachine>;
  outbox: Outbox;
  now: () => number;
  newId: () => string;
  /** Delivers the outbox now (a self-test result goes out at once). */
  deliver: () => void;
}

/**
 * What operators ask of this kiosk, from each heartbeat answer (docs/kiosk-runtime.md, "Remote
 * actions"): maintenance on/off (the session machine's `operator.*` events: no new session while
 * on; a session under way finishes), and a reader self-test, run once per test id when no
 * customer is being served, its result sent as a `reader.self-test` outbox event.
 */
export class RemoteControl {
  private maintenance = false;
  private pendingTest: string | null = null;
  private readonly doneTests = new Set<string>();
  private readonly subscription: { unsubscribe(): void };

  constructor(private readonly options: RemoteControlOptions) {
    // A test asked during a session runs once the kiosk is back to waiting.
    this.subscription = options.session.subscribe(() => this.runPendingTest());
  }

  /** Applies a heartbeat answer (absent `control`: in service, nothing asked). */
  apply(answer: HeartbeatResponse): void {
    const maintenance = answer.control?.maintenance ?? false;
    if (maintenance !== this.maintenance) {
      this.maintenance = maintenance;
      this.options.session.send({ type: maintenance ? 'operator.maintenance' : 'operator.inService' });
    }
    const testId = answer.control?.selfTestId ?? null;
    if (testId !== null && !this.doneTests.has(testId)) this.pendingTest = testId;
    this.runPendingTest();
  }

  stop(): void {
    this.subscription.unsubscribe();
  }

  private runPendingTest(): void {
    const testId = this.pendingTest;
    if (testId === null || !this.idle()) return;
    this.pendingTest = null;
    this.doneTests.add(testId);
    // The test: the PC/SC service answers and the reader is attached and usable (the reader
    // machine's view, fed by the PC/SC monitor).
    const { reader } = readerHeartbeat(this.options.reader.getSnapshot());
    this.options.outbox.enqueue({
      kind: 'event',
      event: {
        id: this.options.newId(),
        type: 'reader.self-test',
        at: this.options.now(),
        data: { testId, result: reader === 'ready' ? 'passed' : 'failed', detail: `reader ${reader}` },
      },
    });
    this.options.deliver();
  }

  /** No customer being served: the waiting screens. */
  private idle(): boolean {
    const snapshot = this.options.session.getSnapshot();
    return !snapshot.matches({ kiosk: 'customer' });
  }
}
