import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import { loadCardFile } from '../../hardware/virtual-card/card-file';
import { VpcdBridge } from '../../hardware/virtual-card/vpcd-bridge';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import type { KioskRuntime } from '../../kiosk/runtime/kiosk-runtime';
import { hashToken, newId, newToken } from '../../reservation-api/auth/tokens';
import { PhoneApiError } from '../../reservation-api/phone/phone-api-client';
import { cardRefOf, publicKeyRef } from '../../reservation-api/verification/card-proof-verifier';
import { x509 } from '../../reservation-api/verification/x509';
import { DEFAULT_TIMING, toViewModel } from '../../state-machines/session';
import type { ApiHarness } from '../api/support/api-harness';
import type { SessionDriver } from '../kiosk/support/session-driver';
import { type PcscKiosk, startPcscKiosk } from './support/pcsc-kiosk';
import { SplicedCard } from '../support/spliced-card';

/**
 * Issue 12, reproduced over the real stack (pcscd + vpcd, the kiosk runtime on a PC/SC reader):
 * the attacker holds their own card A (and its 4-digit PIN) and has read the token info of the
 * victim's card B (no PIN needed). A spliced card on the reader answers with A's certificates and
 * A's key, but B's token serial, and hands B's GET CHALLENGE / EXTERNAL AUTHENTICATE / RESET RETRY
 * COUNTER / VERIFY through. Before the fix the API took the stated serial for the reset key: B
 * accepted the cryptogram and took the attacker's new signature PIN.
 */

const ATTACKER_PIN = 'OWNED2026';

let stack: PcscKiosk;
let api: ApiHarness;
let kiosk: KioskRuntime;
let driver: SessionDriver;
let reader: PcscKiosk['reader'];
let timers: PcscKiosk['timers'];
let bridge: VpcdBridge | undefined;

beforeAll(async () => {
  stack = await startPcscKiosk();
  ({ api, kiosk, driver, reader, timers } = stack);
}, 60_000);

afterEach(async () => {
  await bridge?.disconnect();
  bridge = undefined;
  await expect.poll(() => kiosk.status().cardPresent, { timeout: 10_000 }).toBe(false);
  timers.increment(DEFAULT_TIMING.inactivityLimitMs);
  await driver.only('idle');
});

afterAll(async () => {
  await bridge?.disconnect();
  await stack?.close();
});

/** Card A (the attacker's, healthy) and card B (the victim's, signature PIN blocked), as files. */
async function twoCards() {
  const a = await api.issueCard('healthy');
  const b = await api.issueCard('sign-pin-blocked');
  return { a, b, serialOf: (path: string) => loadCardFile(path).jpki!.tokenSerial };
}

/** A reservation as an API without the issuer record stored it: A's card and proof key, B's serial. */
async function forgedReservation(aPath: string, bSerial: string): Promise<string> {
  const authDer = Buffer.from(loadCardFile(aPath).jpki!.authCertificate, 'base64');
  const authCertificate = new x509.X509Certificate(new Uint8Array(authDer));
  const id = newId('rsv');
  const now = api.clock.now();
  await api.store.createReservation({
    id,
    tokenHash: hashToken(newToken()),
    cardRef: cardRefOf(authCertificate),
    proofKeyRef: publicKeyRef(authCertificate),
    tokenSerial: bSerial,
    procedure: 'signature-pin',
    createdAt: now,
    expiresAt: now + 24 * 3_600_000,
  });
  return id;
}

/** Puts the spliced card on the leased reader (in-process, through vpcd). */
function placeSpliced(card: SplicedCard): void {
  bridge = new VpcdBridge(card, { host: '127.0.0.1', port: reader.port });
  bridge.connect();
}

/** Whether the victim's signature PIN is still blocked and never took the attacker's PIN. */
function victimUntouched(bPath: string): void {
  const victim = loadCardFile(bPath).jpki!;
  expect(victim.signPin.triesLeft).toBe(0);
  expect(victim.signPin.value).not.toBe(ATTACKER_PIN);
}

describe('a spliced card (A’s certificate and PIN, B’s serial and reset) over pcscd + vpcd', () => {
  it('the phone step with A’s proof and B’s serial is refused CARD_MISMATCH', async () => {
    const { a, b, serialOf } = await twoCards();
    const body = await api.reservationBody(a, 'signature-pin', DEFAULT_PINS.auth);
    const refusal = await api.phone.createReservation({ ...body, tokenSerial: serialOf(b) }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(PhoneApiError);
    expect((refusal as PhoneApiError).code).toBe('CARD_MISMATCH');
    victimUntouched(b);
  });

  it('at the kiosk, B is never reset: the check before any PIN refuses the spliced card as CARD_MISMATCH', async () => {
    const { a, b, serialOf } = await twoCards();
    const reservationId = await forgedReservation(a, serialOf(b));
    const spliced = new SplicedCard(VirtualCard.fromFile(a), VirtualCard.fromFile(b));

    driver.begin('signature-pin');
    placeSpliced(spliced);
    expect(await driver.runReset(DEFAULT_PINS.auth, ATTACKER_PIN)).toBe('error');
    // The reservation check before any PIN sends A's certificate and the serial the card states
    // (B's): not the one the issuer recorded for that certificate, so the API refuses the card
    // itself — audited as a possible attack, told to the customer as "ask staff".
    expect(toViewModel(kiosk.actor.getSnapshot()).error?.code).toBe('card-mismatch');

    // B answered its token info only; no challenge, cryptogram or PIN ever reached it.
    expect(spliced.answeredBy.victim).not.toContain(0x2c);
    expect(spliced.answeredBy.victim).not.toContain(0x82);
    victimUntouched(b);
    const audit = await api.store.auditEntries({ limit: 1000 });
    expect(audit.some((row) => row.action === 'reservation-check' && row.outcome === 'CARD_MISMATCH')).toBe(
      true,
    );
    // Never on a PIN screen: no lookup, no claim.
    expect(audit.some((row) => row.action === 'lookup')).toBe(false);
    expect(audit.some((row) => row.reservationId === reservationId && row.action === 'claim')).toBe(false);
  }, 90_000);

  it('a card that switches to B after A’s proof is refused by the kiosk before any claim', async () => {
    const { a, b } = await twoCards();
    // An honest reservation for A: the lookup (as A) finds it.
    const reservation = await api.reserve(a, 'signature-pin', DEFAULT_PINS.auth);
    const spliced = new SplicedCard(VirtualCard.fromFile(a), VirtualCard.fromFile(b), {
      switchAfterProof: true,
    });

    driver.begin('signature-pin');
    placeSpliced(spliced);
    expect(await driver.runReset(DEFAULT_PINS.auth, ATTACKER_PIN)).toBe('error');
    expect(toViewModel(kiosk.actor.getSnapshot()).error?.code).toBe('card-mismatch');
    victimUntouched(b);
    // Nothing was claimed: the reservation is still A's to use.
    const view = await api.phone.status(reservation.reservationId, reservation.reservationToken);
    expect(view.status).toBe('active');
    const audit = await api.store.auditEntries({ reservationId: reservation.reservationId, limit: 100 });
    expect(audit.map((row) => row.action)).not.toContain('claim');
  }, 90_000);
});
