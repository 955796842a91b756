import axios, { type AxiosInstance } from 'axios';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import {
  API_PATHS,
  type ApiErrorCode,
  type CreateReservationRequest,
  fillPath,
  isApiErrorCode,
  PhoneChallengeResponse,
  ReservationCreated,
  ReservationView,
} from '../contract';

/** The phone app's side of the API (axios): challenge, create, status, cancel. */

export class PhoneApiError extends Error {
  override readonly name = 'PhoneApiError';
  constructor(
    readonly code: ApiErrorCode | 'NETWORK_ERROR' | 'BAD_RESPONSE',
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const checks = {
  challenge: Compile(PhoneChallengeResponse),
  created: Compile(ReservationCreated),
  view: Compile(ReservationView),
};

export class PhoneApiClient {
  private readonly http: AxiosInstance;

  constructor(baseUrl: string, timeoutMs = 10_000) {
    this.http = axios.create({
      baseURL: baseUrl.replace(/\/+$/, ''),
      timeout: timeoutMs,
      validateStatus: () => true,
      headers: { accept: 'application/json' },
    });
  }

  challenge(): Promise<PhoneChallengeResponse> {
    return this.call('POST', API_PATHS.phoneChallenge, checks.challenge, {}, undefined);
  }

  createReservation(body: CreateReservationRequest): Promise<ReservationCreated> {
    return this.call('POST', API_PATHS.reservations, checks.created, body, undefined);
  }

  status(reservationId: string, token: string): Promise<ReservationView> {
    return this.call(
      'GET',
      fillPath(API_PATHS.reservation, { reservationId }),
      checks.view,
      undefined,
      token,
    );
  }

  cancel(reservationId: string, token: string): Promise<ReservationView> {
    return this.call(
      'DELETE',
      fillPath(API_PATHS.reservation, { reservationId }),
      checks.view,
      undefined,
      token,
    );
  }

  private async call<T extends TSchema>(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    check: ReturnType<typeof Compile<T>>,
    body: unknown,
    token: string | undefined,
  ) {
    let response;
    try {
      response = await this.http.request({
        method,
        url,
        ...(body === undefined ? {} : { data: body }),
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      });
    } catch {
      throw new PhoneApiError('NETWORK_ERROR', `cannot reach the reservation API (${method} ${url})`);
    }
    const data: unknown = response.data;
    if (response.status >= 400) {
      const { code, message } = (data ?? {}) as { code?: unknown; message?: unknown };
      if (isApiErrorCode(code))
        throw new PhoneApiError(code, typeof message === 'string' ? message : code, response.status);
      throw new PhoneApiError(
        'BAD_RESPONSE',
        `HTTP ${response.status} without an error code`,
        response.status,
      );
    }
    if (!check.Check(data))
      throw new PhoneApiError('BAD_RESPONSE', `the answer of ${method} ${url} breaks the contract`);
    return data;
  }
}
