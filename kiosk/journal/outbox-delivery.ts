import { KioskApiError } from '../api-client/kiosk-api-error';
import type { KioskApiClient } from '../api-client/kiosk-api-client';
import type { ClaimSettler } from '../runtime/session-actors';
import type { ClaimJournal } from './claim-journal';
import type { Outbox, OutboxMessage } from './outbox';

export interface DeliveryReport {
  delivered: number;
  rejected: number;
  /** True when a retriable failure stopped the pass (the API looks down). */
  deferred: boolean;
}

async function send(api: KioskApiClient, message: OutboxMessage): Promise<void> {
  switch (message.kind) {
    case 'complete':
      await api.complete({ claimId: message.claimId });
      return;
    case 'release':
      await api.release({ claimId: message.claimId, reason: message.reason });
      return;
    case 'event':
      await api.events({ events: [message.event] });
  }
}

/**
 * One delivery pass: sends the due messages in order. A retriable failure (network, timeout, 5xx,
 * rate limit) schedules a backoff and ends the pass, since the API is likely down for the rest too;
 * a refusal (e.g. LEASE_INVALID after the lease ran out) is final and recorded as rejected.
 */
export async function deliverDue(outbox: Outbox, api: KioskApiClient): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, rejected: 0, deferred: false };
  for (const pending of outbox.due()) {
    try {
      await send(api, pending.message);
      outbox.markDelivered(pending.id);
      report.delivered += 1;
    } catch (error) {
      const code = error instanceof KioskApiError ? error.code : 'UNKNOWN';
      if (!(error instanceof KioskApiError) || error.retriable || error.code === 'BAD_RESPONSE') {
        outbox.markRetry(pending.id, code);
        report.deferred = true;
        return report;
      }
      outbox.markRejected(pending.id, code);
      report.rejected += 1;
    }
  }
  return report;
}

/** Serialises delivery passes: a pass asked for while one runs joins it (no message is sent twice at once). */
export class OutboxDeliverer {
  private running: Promise<DeliveryReport> | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly api: KioskApiClient,
  ) {}

  /** Runs a delivery pass, or joins the one under way. */
  deliver(): Promise<DeliveryReport> {
    this.running ??= deliverDue(this.outbox, this.api).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves when no pass is under way (never rejects). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }
}

/**
 * The session actors' settler backed by the outbox: `record` resolves once the settlement is in
 * SQLite, then a delivery pass is started in the background (its failures only reschedule).
 */
export function outboxSettler(outbox: Outbox, deliverer: OutboxDeliverer): ClaimSettler {
  return {
    async record(settlement) {
      outbox.enqueue(settlement);
      void deliverer.deliver().catch(() => undefined);
    },
  };
}

/**
 * The settler of a journaled kiosk: the settlement and the end of the claim's journal entry are
 * written in one transaction (once per claim), then a delivery pass starts in the background.
 */
export function journaledSettler(journal: ClaimJournal, deliverer: OutboxDeliverer): ClaimSettler {
  return {
    async record(settlement, options) {
      journal.settle(settlement, options?.uncertain ? { uncertain: true } : {});
      void deliverer.deliver().catch(() => undefined);
    },
  };
}
