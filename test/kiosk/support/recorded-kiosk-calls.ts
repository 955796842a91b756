import type { KioskApiClient } from '../../../kiosk/api-client/kiosk-api-client';
import { KioskApiError } from '../../../kiosk/api-client/kiosk-api-error';

/**
 * Records, in `calls`, the lookups and claims a kiosk client sends as they go: `lookup <lookupId>`,
 * `claim <lookupId> ok` or `claim <lookupId> <API error code>`. `beforeClaim` runs just before each
 * claim is sent (to move a clock there).
 */
export function recordKioskCalls(client: KioskApiClient, calls: string[], beforeClaim?: () => void): void {
  const lookup = client.lookup.bind(client);
  const claim = client.claim.bind(client);
  client.lookup = async (...args) => {
    const found = await lookup(...args);
    calls.push(`lookup ${found.lookupId}`);
    return found;
  };
  client.claim = async (...args) => {
    beforeClaim?.();
    try {
      const granted = await claim(...args);
      calls.push(`claim ${args[0].lookupId} ok`);
      return granted;
    } catch (error) {
      calls.push(`claim ${args[0].lookupId} ${error instanceof KioskApiError ? error.code : 'error'}`);
      throw error;
    }
  };
}
