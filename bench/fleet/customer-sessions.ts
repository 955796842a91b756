import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import type { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import {
  API_PATHS,
  cardProofDigest,
  type ClaimResponse,
  type CompleteResponse,
  type CreateReservationRequest,
  type KioskChallengeResponse,
  type LookupResponse,
  type PhoneChallengeResponse,
  type Procedure,
  provenPinOf,
  type ReservationCreated,
  resetPinFileOf,
  resetPinOf,
  CHAINS,
} from '../../reservation-api/contract';
import { reserveWithCard } from '../../reservation-api/phone/reserve-with-card';
import type { FaceSigningKey } from '../../reservation-api/server/face-provider-keys';
import type { AckLog } from './ack-log';
import { CARD_PINS, type CardPool } from './fleet-cards';
import type { FleetRequests } from './fleet-requests';
import type { FleetStats } from './fleet-stats';
import type { KioskState } from './heartbeat-schedule';

/**
 * Customers at the given rate, evenly spaced: each takes a free card, does the phone step (the
 * phone simulator's code: challenge, card proof, face attestation, create), then walks to a random
 * idle kiosk, which runs the kiosk protocol with the card in-process — challenge, card proof,
 * lookup, GET CHALLENGE on the card, claim, the card checks the cryptogram and takes the new PIN,
 * complete. A refused or failed request ends the session (counted by status).
 */

/** A request the API did not acknowledge: the session stops there (already counted). */
class NotAcknowledged extends Error {}

function required<T>(answer: T | undefined): T {
  if (answer === undefined) throw new NotAcknowledged();
  return answer;
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export interface CustomerSessionsOptions {
  kiosks: readonly KioskState[];
  requests: FleetRequests;
  stats: FleetStats;
  acks: AckLog;
  cards: CardPool;
  faceKey: FaceSigningKey;
  sessionsPerHour: number;
}

export class CustomerSessions {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private arrivals = 0;

  constructor(private readonly options: CustomerSessionsOptions) {}

  start(): void {
    if (this.options.sessionsPerHour <= 0) return;
    const everyMs = 3_600_000 / this.options.sessionsPerHour;
    const startedAt = performance.now();
    // One timer for every rate: arrivals due by now are started at each tick.
    const tick = () => {
      const due = Math.floor((performance.now() - startedAt) / everyMs) + 1;
      for (; this.arrivals < due; this.arrivals += 1) this.arrive();
    };
    this.timer = setInterval(tick, Math.min(100, Math.max(5, everyMs / 2)));
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
  }

  private arrive(): void {
    const { kiosks, stats, cards } = this.options;
    let kiosk: KioskState | undefined;
    for (let tries = 0; tries < 8 && !kiosk; tries += 1) {
      const candidate = kiosks[Math.floor(Math.random() * kiosks.length)];
      if (candidate && !candidate.inSession) kiosk = candidate;
    }
    const card = cards.take();
    if (!kiosk || !card) {
      if (card) cards.give(card);
      stats.sessions.noCard += 1;
      return;
    }
    kiosk.inSession = true;
    stats.sessions.started += 1;
    const session = this.run(kiosk, card)
      .then(
        () => {
          stats.sessions.completed += 1;
          kiosk.sessionsCompleted += 1;
        },
        (error: unknown) => {
          stats.sessions.failed += 1;
          if (!(error instanceof NotAcknowledged))
            process.stderr.write(`[fleet] session failed: ${String(error)}\n`);
        },
      )
      .finally(() => {
        kiosk.inSession = false;
        cards.give(card);
        this.inFlight.delete(session);
      });
    this.inFlight.add(session);
  }

  private async run(state: KioskState, card: VirtualCard): Promise<void> {
    const offered: readonly Procedure[] = CHAINS[state.kiosk.chain].procedures;
    const procedure = offered[Math.floor(Math.random() * offered.length)]!;
    const reservation = await this.phoneStep(card, procedure);
    this.options.acks.record({ kind: 'reservation', reservationId: reservation.reservationId });
    await this.kioskStep(state, card, procedure);
  }

  /** Step 1 as the phone app does it (a fresh card session). */
  private phoneStep(card: VirtualCard, procedure: Procedure): Promise<ReservationCreated> {
    const { requests, faceKey } = this.options;
    card.reset();
    return reserveWithCard({
      card: new JpkiClient(new InProcessTransport(card)),
      api: {
        challenge: async () =>
          required(
            await requests.post<PhoneChallengeResponse>('phone_challenge', API_PATHS.phoneChallenge, {}),
          ),
        createReservation: async (body: CreateReservationRequest) =>
          required(
            await requests.post<ReservationCreated>('reservation_create', API_PATHS.reservations, body),
          ),
      },
      procedure,
      pin: Buffer.from(CARD_PINS[provenPinOf(procedure)], 'latin1'),
      face: { key: faceKey, statement: { match: true, liveness: true, score: 0.97 } },
      now: requests.now,
    });
  }

  /** Step 2 at the kiosk: the card placed anew, the kiosk protocol through to complete. */
  private async kioskStep(state: KioskState, card: VirtualCard, procedure: Procedure): Promise<void> {
    const { requests, acks } = this.options;
    const { kiosk } = state;
    const proven = provenPinOf(procedure);
    const resets = resetPinOf(procedure);
    card.reset();
    const client = new JpkiClient(new InProcessTransport(card));
    await client.selectApplication();
    const { tokenSerial } = await client.readTokenInfo();
    const authCertificate = await client.readCertificate('auth');
    await client.verifyPin(proven, Buffer.from(CARD_PINS[proven], 'latin1'));
    const { nonce } = required(
      await requests.post<KioskChallengeResponse>('kiosk_challenge', API_PATHS.kioskChallenge, {}, kiosk),
    );
    const proofCertificate = proven === 'sign' ? await client.readCertificate('sign') : authCertificate;
    const signature = await client.sign(proven, cardProofDigest('kiosk', nonce));
    const found = required(
      await requests.post<LookupResponse>(
        'lookup',
        API_PATHS.kioskLookup,
        {
          nonce,
          procedure,
          tokenSerial,
          authCertificate: base64(authCertificate),
          proof: { certificate: base64(proofCertificate), signature: base64(signature) },
        },
        kiosk,
      ),
    );
    const cardChallenge = await client.beginReset(resets);
    const claim = required(
      await requests.post<ClaimResponse>(
        'claim',
        API_PATHS.kioskClaim,
        {
          lookupId: found.lookupId,
          pinFile: resetPinFileOf(procedure),
          cardChallenge: base64(cardChallenge),
        },
        kiosk,
      ),
    );
    await client.authorizeReset(Buffer.from(claim.cryptogram, 'base64'));
    await client.resetRetryCounter(resets, Buffer.from(CARD_PINS[resets], 'latin1'));
    required(
      await requests.post<CompleteResponse>(
        'complete',
        API_PATHS.kioskComplete,
        { claimId: claim.claimId },
        kiosk,
      ),
    );
    acks.record({
      kind: 'complete',
      kioskId: kiosk.kioskId,
      claimId: claim.claimId,
      reservationId: claim.reservationId,
    });
  }
}
