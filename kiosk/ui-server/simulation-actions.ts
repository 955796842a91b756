import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { PROCEDURES } from '../../state-machines/session/pin-rules';

/**
 * What the simulation panel (npm start only) may ask of the simulated kiosk, as a closed schema.
 * No action carries a PIN: the phone step uses the documented demo PINs of the demo cards, chosen
 * by the simulation itself.
 */
export const SimulationActionSchema = Type.Union([
  Type.Object(
    { type: Type.Literal('persona.select'), persona: Type.String({ pattern: '^[a-z0-9-]{1,40}$' }) },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('card.insert') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('card.remove') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('card.renew') }, { additionalProperties: false }),
  Type.Object(
    { type: Type.Literal('phone.reserve'), procedure: Type.Enum(PROCEDURES) },
    { additionalProperties: false },
  ),
  Type.Object(
    // Japan time of day, HH:MM (24 h).
    {
      type: Type.Literal('clock.set'),
      japanTime: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('clock.real') }, { additionalProperties: false }),
  // The demo clock 24 h 1 min ahead (then to the next opening if that is closed): every
  // reservation made before is past its 24 hours, so the expired case can be shown.
  Type.Object({ type: Type.Literal('clock.age-reservations') }, { additionalProperties: false }),
]);

export type SimulationAction = Static<typeof SimulationActionSchema>;

const validator = Compile(SimulationActionSchema);

/** True when `value` is exactly one of the simulation panel's action shapes. */
export function isSimulationAction(value: unknown): value is SimulationAction {
  return validator.Check(value);
}

/** What the panel shows after an action: done or refused, and one line saying what happened. */
export interface SimulationOutcome {
  ok: boolean;
  message: string;
}

/**
 * The simulated kiosk's controls as the UI server sees them. Given to `createUiServer` only in
 * simulation mode; without it the panel's routes do not exist.
 */
export interface SimulationControls<State = unknown> {
  /** The panel's state now (JSON): personas, card, clock, kiosk screen, last outcome. */
  state(): State;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (state: State) => void): () => void;
  perform(action: SimulationAction): Promise<SimulationOutcome>;
}
