import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import { CardError } from '../../hardware/card-error';
import { provenPinOf } from '../../reservation-api/contract';
import { PhoneApiClient, PhoneApiError } from '../../reservation-api/phone/phone-api-client';
import { PhoneStepError, reserveWithCard } from '../../reservation-api/phone/reserve-with-card';
import { loadDevFaceSigningKey } from '../../reservation-api/server/face-provider-keys';
import { DEMO_PINS } from '../../kiosk/simulation/demo-cards';
import { formatJapanDateTime } from '../../kiosk/simulation/demo-clock';
import type { PhoneStep } from '../../kiosk/simulation/simulation-panel';

export interface DemoPhoneOptions {
  apiUrl: string;
  /** The API's data directory: the dev face-verification provider key lives there. */
  dataDir: string;
  now: () => number;
}

/**
 * Step 1 as the phone app does it (reserveWithCard over the virtual card file), with the demo PIN
 * of the PIN the procedure proves and a passing face match signed by the dev provider key. The
 * reservation token stays here: the panel gets a summary line only.
 */
export function demoPhoneStep(options: DemoPhoneOptions): PhoneStep {
  const api = new PhoneApiClient(options.apiUrl);
  return async (cardPath, procedure) => {
    const proven = provenPinOf(procedure);
    const card = new JpkiClient(new InProcessTransport(VirtualCard.fromFile(cardPath)));
    try {
      const reservation = await reserveWithCard({
        card,
        api,
        procedure,
        // A fresh buffer each time: reserveWithCard wipes it after the VERIFY.
        pin: Buffer.from(DEMO_PINS[proven], 'latin1'),
        face: {
          key: loadDevFaceSigningKey(options.dataDir),
          statement: { match: true, liveness: true, score: 0.97 },
        },
        now: options.now,
      });
      return `reservation for ${procedure} made on the phone, valid until ${formatJapanDateTime(reservation.expiresAt)}`;
    } catch (error) {
      if (error instanceof PhoneApiError)
        throw new Error(`phone step refused by the API: ${error.code} — ${error.message}`);
      if (error instanceof PhoneStepError)
        throw new Error(`phone step refused by the card: ${error.message}`);
      if (error instanceof CardError) throw new Error(`phone step: card error (${error.kind})`);
      throw error;
    }
  };
}
