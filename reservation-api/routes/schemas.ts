import type { TSchema } from 'typebox';
import { ErrorBody } from '../contract';

/** A route's responses: the success body plus `{code, message}` for every 4xx and 5xx. */
export function responses(status: 200 | 201, body: TSchema) {
  return { [status]: body, '4xx': ErrorBody, '5xx': ErrorBody } as const;
}
