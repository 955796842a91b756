import type { OperatorRecord, ReservationStore } from '../store/reservation-store';
import type { OperatorRole } from '../contract';
import { ApiError } from '../server/api-error';
import { bearerToken, hashToken } from './tokens';

/** What each role may do: viewers read, admins also change. */
const ROLE_RANK: Record<OperatorRole, number> = { viewer: 1, admin: 2 };

/** The operator behind an `Authorization: Bearer` header, at least `role`; else OPERATOR_UNAUTHENTICATED / _FORBIDDEN. */
export async function requireOperator(
  store: ReservationStore,
  authorization: string | string[] | undefined,
  role: OperatorRole,
): Promise<OperatorRecord> {
  const token = bearerToken(authorization);
  const operator = token === undefined ? undefined : await store.operatorByTokenHash(hashToken(token));
  if (!operator) throw new ApiError('OPERATOR_UNAUTHENTICATED');
  if (ROLE_RANK[operator.role] < ROLE_RANK[role]) throw new ApiError('OPERATOR_FORBIDDEN');
  return operator;
}
