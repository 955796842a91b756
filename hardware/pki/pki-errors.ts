/** Why the test PKI could not do what was asked. */
export type TestPkiErrorCode =
  | 'NOT_INITIALISED' // the data directory has no PKI / master key yet
  | 'CORRUPT' // a PKI file exists but cannot be read as what it should be
  | 'UNKNOWN_PERSONA'
  | 'BAD_PIN_FORMAT'
  | 'BAD_HOLDER_DATA';

export class TestPkiError extends Error {
  override readonly name = 'TestPkiError';

  constructor(
    readonly code: TestPkiErrorCode,
    message: string,
  ) {
    super(message);
  }
}
