import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { PROCEDURES } from '../../state-machines/session/pin-rules';
import { DISPLAY_MODES } from '../../state-machines/session/session-events';

/**
 * The only events the kiosk UI may send, as a closed schema: anything else is refused with 400.
 * They are the session machine's UI events (state-machines/session/session-events.ts; a test keeps
 * the two equal). A key event carries exactly one character of the on-screen keyboards (0–9, A–Z),
 * so nothing shaped like a whole PIN can ever reach the server in one request.
 */
const KEY = Type.String({ pattern: '^[0-9A-Z]$', minLength: 1, maxLength: 1 });

function bare<const T extends string>(type: T) {
  return Type.Object({ type: Type.Literal(type) }, { additionalProperties: false });
}

export const UiEventSchema = Type.Union([
  Type.Object({ type: Type.Literal('pin.key'), key: KEY }, { additionalProperties: false }),
  bare('pin.backspace'),
  bare('pin.clear'),
  bare('pin.submit'),
  bare('session.start'),
  Type.Object(
    {
      type: Type.Literal('procedure.select'),
      procedure: Type.Enum(PROCEDURES),
    },
    { additionalProperties: false },
  ),
  bare('consent.accept'),
  bare('session.cancel'),
  bare('cancel.confirm'),
  bare('dialog.close'),
  bare('help.open'),
  bare('session.back'),
  bare('session.extend'),
  bare('session.continue'),
  Type.Object(
    { type: Type.Literal('language.select'), language: Type.String({ pattern: '^[a-z]{2,3}(-[A-Z]{2})?$' }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('display.select'), mode: Type.Enum(DISPLAY_MODES) },
    { additionalProperties: false },
  ),
]);

export type UiEvent = Static<typeof UiEventSchema>;

const validator = Compile(UiEventSchema);

/** True when `value` is exactly one of the allowed UI event shapes. */
export function isUiEvent(value: unknown): value is UiEvent {
  return validator.Check(value);
}
