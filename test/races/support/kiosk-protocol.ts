import type {
  ClaimResponse,
  CompleteResponse,
  LookupResponse,
  ReleaseResponse,
} from '../../../reservation-api/contract';

/** The messages between a race test and its kiosk processes (IPC, structured clone). */

/** A value, or the API's error code (or a transport failure code, or THROWN:name for anything else). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string };

/** Every command carries the server's current clock, which the kiosk signs its requests with. */
export type KioskCommand =
  | { type: 'lookup'; now: number; cards: { path: string; pin: string }[] }
  | { type: 'claim'; now: number; paths: string[] }
  | { type: 'complete'; now: number; claimIds: string[] }
  | { type: 'release'; now: number; claimIds: string[] };

export type KioskReply =
  | { type: 'lookup'; results: { path: string; result: Outcome<LookupResponse> }[] }
  | { type: 'claim'; results: { path: string; result: Outcome<ClaimResponse> }[] }
  | { type: 'complete'; results: { claimId: string; result: Outcome<CompleteResponse> }[] }
  | { type: 'release'; results: { claimId: string; result: Outcome<ReleaseResponse> }[] };

export type ReplyOf<C extends KioskCommand> = Extract<KioskReply, { type: C['type'] }>;
