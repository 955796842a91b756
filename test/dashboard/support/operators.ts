import type { OperatorRole } from '../../../reservation-api/contract';
import { hashToken, newId, newToken } from '../../../reservation-api/auth/tokens';
import type { ReservationStore } from '../../../reservation-api/store/reservation-store';

export interface TestOperator {
  name: string;
  role: OperatorRole;
  token: string;
}

/** Creates an operator as `npm run ops -- operator create` does; returns its token. */
export async function createOperator(
  store: ReservationStore,
  name: string,
  role: OperatorRole,
  now: number,
): Promise<TestOperator> {
  const token = newToken();
  const created = await store.createOperator({
    id: newId('op'),
    name,
    role,
    createdAt: now,
    tokenHash: hashToken(token),
    actor: 'operator:test',
  });
  if (!created.ok) throw new Error(`operator ${name}: ${created.code}`);
  return { name, role, token };
}
