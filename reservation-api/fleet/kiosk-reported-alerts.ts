/**
 * The alerts each kiosk itself reports (card left behind, settlement not recorded, …), from two
 * sources that may arrive out of order: heartbeats (`alerts`, the full current list) and outbox
 * events (`alert` / `alert.cleared`, possibly delivered late). Both carry the kiosk's own clock, so
 * the newer fact wins whichever arrives last; a late `alert` event cannot reopen what a newer
 * heartbeat already cleared.
 */
export class KioskReportedAlerts {
  private readonly byKiosk = new Map<string, Map<string, { active: boolean; at: number }>>();
  /** Kiosk time of each kiosk's latest heartbeat list: a name it did not list was inactive then. */
  private readonly listedAt = new Map<string, number>();

  /** A heartbeat's list, true as of its clock. `undefined` (an older kiosk) says nothing. */
  applyHeartbeat(kioskId: string, alerts: readonly string[] | undefined, clock: number): void {
    if (alerts === undefined) return;
    this.listedAt.set(kioskId, Math.max(clock, this.listedAt.get(kioskId) ?? Number.NEGATIVE_INFINITY));
    const facts = this.factsOf(kioskId);
    for (const name of alerts) this.apply(facts, name, true, clock);
    for (const name of facts.keys()) if (!alerts.includes(name)) this.apply(facts, name, false, clock);
  }

  /** An `alert` (active) or `alert.cleared` event at kiosk time `at`. */
  applyEvent(kioskId: string, name: string, active: boolean, at: number): void {
    const facts = this.factsOf(kioskId);
    if (!facts.has(name) && at < (this.listedAt.get(kioskId) ?? Number.NEGATIVE_INFINITY)) return;
    this.apply(facts, name, active, at);
  }

  /** The names the kiosk reports as active now. */
  active(kioskId: string): Set<string> {
    const facts = this.byKiosk.get(kioskId);
    return new Set([...(facts ?? [])].filter(([, fact]) => fact.active).map(([name]) => name));
  }

  /** An alert still open from before a restart: active until any fact about it arrives. */
  seed(kioskId: string, name: string): void {
    this.apply(this.factsOf(kioskId), name, true, Number.NEGATIVE_INFINITY);
  }

  forget(kioskId: string): void {
    this.byKiosk.delete(kioskId);
    this.listedAt.delete(kioskId);
  }

  private factsOf(kioskId: string): Map<string, { active: boolean; at: number }> {
    let facts = this.byKiosk.get(kioskId);
    if (!facts) {
      facts = new Map();
      this.byKiosk.set(kioskId, facts);
    }
    return facts;
  }

  private apply(
    facts: Map<string, { active: boolean; at: number }>,
    name: string,
    active: boolean,
    at: number,
  ): void {
    const known = facts.get(name);
    // Inactive facts are kept too: a clear that arrives before its (older) alert still wins.
    if (!known || known.at <= at) facts.set(name, { active, at });
  }
}
