/**
 * What the API acknowledged (a 2xx) to the clients of a fault test, fact by fact, to hold against
 * the database after the crashes: an acknowledged fact must survive any SIGKILL that follows it.
 */

export type AcknowledgedFact =
  | { kind: 'create'; reservationId: string; card: number }
  | { kind: 'lookup'; reservationId: string; lookupId: string }
  | { kind: 'claim'; reservationId: string; claimId: string }
  | { kind: 'complete'; reservationId: string; claimId: string }
  | { kind: 'release'; reservationId: string; claimId: string }
  | { kind: 'cancel'; reservationId: string };

export class AcknowledgedLedger {
  readonly facts: AcknowledgedFact[] = [];
  /** Refusals no client should have met (a fault test's load only does legitimate things). */
  readonly unexpected: string[] = [];
  private listeners: (() => void)[] = [];

  acknowledge(fact: AcknowledgedFact): void {
    this.facts.push(fact);
    for (const listener of this.listeners.splice(0)) listener();
  }

  /** Resolves once `count` more facts have been acknowledged. */
  afterMore(count: number): Promise<void> {
    const target = this.facts.length + count;
    return new Promise((resolve) => {
      const check = () => (this.facts.length >= target ? resolve() : this.listeners.push(check));
      check();
    });
  }

  of<K extends AcknowledgedFact['kind']>(kind: K): Extract<AcknowledgedFact, { kind: K }>[] {
    return this.facts.filter((fact): fact is Extract<AcknowledgedFact, { kind: K }> => fact.kind === kind);
  }
}
