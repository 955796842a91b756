import type { Procedure } from './primitives';

/**
 * Store chains and the procedures their kiosks offer (public terms, jpki-card.md): the signature PIN
 * only at Lawson, FamilyMart and Ministop; both PINs at Seven-Eleven and AEON. A kiosk's procedures
 * are derived from its chain at registration.
 */
export const CHAINS = {
  lawson: { name: 'Lawson', procedures: ['signature-pin'] },
  familymart: { name: 'FamilyMart', procedures: ['signature-pin'] },
  ministop: { name: 'Ministop', procedures: ['signature-pin'] },
  'seven-eleven': { name: 'Seven-Eleven', procedures: ['signature-pin', 'auth-pin'] },
  aeon: { name: 'AEON', procedures: ['signature-pin', 'auth-pin'] },
} as const satisfies Record<string, { name: string; procedures: readonly Procedure[] }>;

export type ChainId = keyof typeof CHAINS;
export const CHAIN_IDS = Object.keys(CHAINS) as ChainId[];

/** The chain for a user-typed name ("Seven-Eleven", "seven eleven", "7-eleven", "lawson"), or undefined. */
export function resolveChain(name: string): ChainId | undefined {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/^7-/, 'seven-');
  const squashed = key.replace(/-/g, '');
  return CHAIN_IDS.find((id) => id === key || id.replace(/-/g, '') === squashed);
}

/** The procedures a chain's kiosks offer. */
export function proceduresOfChain(chain: ChainId): Procedure[] {
  return [...CHAINS[chain].procedures];
}
