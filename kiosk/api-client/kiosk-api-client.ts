import type { KeyObject } from 'node:crypto';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import {
  API_PATHS,
  ClaimResponse,
  CompleteResponse,
  EventBatchResponse,
  HeartbeatResponse,
  KioskChallengeResponse,
  LookupResponse,
  ReservationCheckResponse,
  ReleaseResponse,
  type ClaimRequest,
  type CompleteRequest,
  type EventBatchRequest,
  type HeartbeatRequest,
  type KioskCredentials,
  type LookupRequest,
  type ReservationCheckRequest,
  type ReleaseRequest,
} from '../../reservation-api/contract';
import { errorFromAnswer, KioskApiError } from './kiosk-api-error';
import { loadKioskPrivateKey, signKioskRequest } from './request-signer';

/**
 * The kiosk's client for the reservation API's kiosk endpoints (axios). Every request is signed
 * per RFC 9421 with the kiosk's key; every answer is checked against the contract's schema. Failures
 * are `KioskApiError`s: the API's code, or NETWORK_ERROR / TIMEOUT / ABORTED / BAD_RESPONSE.
 */

export interface KioskApiClientOptions {
  /** e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  baseUrl: string;
  kioskId: string;
  privateKey: KeyObject;
  /** The kiosk clock, epoch ms (signature `created`). */
  now?: () => number;
  /** Per-request deadline. */
  timeoutMs?: number;
}

export interface CallOptions {
  /** Aborting rejects the call with code ABORTED. */
  signal?: AbortSignal;
}

export const DEFAULT_KIOSK_API_TIMEOUT_MS = 10_000;

type Checker<T> = { schema: TSchema; check: (value: unknown) => value is T };

function checker<T extends TSchema>(schema: T) {
  const compiled = Compile(schema);
  return { schema, check: (value: unknown) => compiled.Check(value) } as Checker<Static<T>>;
}

const answers = {
  challenge: checker(KioskChallengeResponse),
  reservationCheck: checker(ReservationCheckResponse),
  lookup: checker(LookupResponse),
  claim: checker(ClaimResponse),
  complete: checker(CompleteResponse),
  release: checker(ReleaseResponse),
  heartbeat: checker(HeartbeatResponse),
  events: checker(EventBatchResponse),
};

export class KioskApiClient {
  private readonly http: AxiosInstance;
  private readonly now: () => number;
  private readonly baseUrl: string;

  constructor(private readonly options: KioskApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.now = options.now ?? Date.now;
    this.http = axios.create({
      timeout: options.timeoutMs ?? DEFAULT_KIOSK_API_TIMEOUT_MS,
      // Every status is an answer we classify ourselves; the body stays raw text until checked.
      validateStatus: () => true,
      responseType: 'text',
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      maxRedirects: 0,
    });
  }

  /** A client from a credentials file's content; `baseUrl` overrides the file's `apiUrl`. */
  static fromCredentials(
    credentials: KioskCredentials,
    overrides: Partial<Omit<KioskApiClientOptions, 'kioskId' | 'privateKey'>> = {},
  ): KioskApiClient {
    const baseUrl = overrides.baseUrl ?? credentials.apiUrl;
    if (!baseUrl) throw new Error('no API URL: pass one, or register the kiosk with --api');
    return new KioskApiClient({
      ...overrides,
      baseUrl,
      kioskId: credentials.kioskId,
      privateKey: loadKioskPrivateKey(credentials.privateKeyPem),
    });
  }

  get kioskId(): string {
    return this.options.kioskId;
  }

  /** A fresh nonce for the card to sign (5 minutes, single use, bound to this kiosk). */
  challenge(options?: CallOptions) {
    return this.post(API_PATHS.kioskChallenge, {}, answers.challenge, options);
  }

  /**
   * Before any PIN: whether the card (by its authentication certificate) has a usable reservation
   * for the procedure, or the refusal the screen must show; a usable one admits the session.
   */
  reservationCheck(body: ReservationCheckRequest, options?: CallOptions) {
    return this.post(API_PATHS.kioskReservationCheck, body, answers.reservationCheck, options);
  }

  /** The active reservation of the card that signed the challenge, or a precise refusal. */
  lookup(body: LookupRequest, options?: CallOptions) {
    return this.post(API_PATHS.kioskLookup, body, answers.lookup, options);
  }

  /** Claims the looked-up reservation (lease ~2 min) and gets the reset cryptogram for the card's challenge. */
  claim(body: ClaimRequest, options?: CallOptions) {
    return this.post(API_PATHS.kioskClaim, body, answers.claim, options);
  }

  /** Reports the reset done (idempotent for the same claim). */
  complete(body: CompleteRequest, options?: CallOptions) {
    return this.post(API_PATHS.kioskComplete, body, answers.complete, options);
  }

  /** Hands the claim back (reset not done). */
  release(body: ReleaseRequest, options?: CallOptions) {
    return this.post(API_PATHS.kioskRelease, body, answers.release, options);
  }

  heartbeat(body: HeartbeatRequest, options?: CallOptions) {
    return this.post(API_PATHS.kioskHeartbeat, body, answers.heartbeat, options);
  }

  /** Delivers outbox events; re-sent ids count as duplicates, not errors. */
  events(body: EventBatchRequest, options?: CallOptions) {
    return this.post(API_PATHS.kioskEvents, body, answers.events, options);
  }

  private async post<T>(
    path: string,
    payload: unknown,
    answer: Checker<T>,
    options: CallOptions = {},
  ): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    const signature = await signKioskRequest(
      { kioskId: this.options.kioskId, privateKey: this.options.privateKey },
      { method: 'POST', url, body, now: this.now() },
    );
    let status: number;
    let text: unknown;
    try {
      const response = await this.http.post<string>(url, body, {
        headers: { 'content-type': 'application/json', accept: 'application/json', ...signature },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      status = response.status;
      text = response.data;
    } catch (error) {
      throw transportError(error, path);
    }
    const parsed = parseJson(text);
    if (status < 200 || status >= 300) throw errorFromAnswer(status, parsed);
    if (!answer.check(parsed)) {
      throw new KioskApiError('BAD_RESPONSE', `the answer of ${path} does not match the contract`, status);
    }
    return parsed;
  }
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function transportError(error: unknown, path: string): KioskApiError {
  if (isAxiosError(error)) {
    if (error.code === 'ERR_CANCELED') return new KioskApiError('ABORTED', `${path} was cancelled`);
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') {
      return new KioskApiError('TIMEOUT', `${path} got no answer in time`, undefined, { cause: error });
    }
  }
  return new KioskApiError('NETWORK_ERROR', `${path} could not reach the API`, undefined, { cause: error });
}
