import type { OpsStreamEvent } from '../contract';
import type { InstanceChannel } from '../store/instance-channel';
import type { FleetMonitor, PublishReach } from './fleet-monitor';
import type { OpsEventStream } from './ops-event-stream';

/**
 * Carries the operators' live stream between API instances on one database, so an operator
 * connected to instance A sees what reached instance B:
 *
 * - what B's monitor publishes with reach `everywhere` (a heartbeat's kiosk change, an alert it
 *   opened or an operator acknowledged there) goes to B's own stream and, over the instance
 *   channel, to every other instance's stream as it is;
 * - an event batch stored on B wakes every other monitor to read the shared event feed now
 *   (rather than at its next tick); each then publishes the sessions it finds to its own stream,
 *   exactly once per instance, as it does for batches that reach it;
 * - after a gap in listening (PostgreSQL was away) this instance's streams are ended: every
 *   dashboard reconnects and loads the whole picture again instead of showing what it missed.
 *
 * On SQLite (one instance) the channel is silent and this is the in-process path it always was.
 */

type RelayMessage = { kind: 'event'; event: OpsStreamEvent } | { kind: 'feed' };

export interface OpsRelayDeps {
  channel: InstanceChannel;
  stream: OpsEventStream;
  /** Told of channel failures (the channel keeps reconnecting by itself). */
  onError: (error: Error) => void;
}

export class OpsRelay {
  private monitor: FleetMonitor | undefined;
  private polling = false;
  private pollAgain = false;

  constructor(private readonly deps: OpsRelayDeps) {}

  /** Starts hearing the other instances; their feed wake-ups go to `monitor`. */
  async start(monitor: FleetMonitor): Promise<void> {
    this.monitor = monitor;
    await this.deps.channel.listen({
      onMessage: (message) => this.receive(message),
      onResync: () => {
        this.deps.stream.closeAll();
        void this.readFeed();
      },
      onError: this.deps.onError,
    });
  }

  /** The monitor's `publish`: to this instance's stream, and to the others' when its reach says so. */
  readonly publish = (event: OpsStreamEvent, reach: PublishReach): void => {
    this.deps.stream.publish(event);
    if (reach === 'everywhere') this.send({ kind: 'event', event });
  };

  /** An event batch was stored here: the other instances' monitors should read the feed. */
  feedAdvanced(): void {
    this.send({ kind: 'feed' });
  }

  close(): Promise<void> {
    return this.deps.channel.close();
  }

  private send(message: RelayMessage): void {
    if (this.deps.channel.shared) this.deps.channel.send(message);
  }

  private receive(message: unknown): void {
    const relayed = message as Partial<RelayMessage>;
    if (relayed.kind === 'event' && relayed.event) this.deps.stream.publish(relayed.event);
    else if (relayed.kind === 'feed') void this.readFeed();
  }

  /** Reads the event feed, once more if woken again meanwhile (a burst of wake-ups costs one or two reads). */
  private async readFeed(): Promise<void> {
    if (!this.monitor) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    try {
      do {
        this.pollAgain = false;
        await this.monitor.onKioskEvents();
      } while (this.pollAgain);
    } catch (error) {
      this.deps.onError(error as Error);
    } finally {
      this.polling = false;
    }
  }
}
