/**
 * The chip's own error class. src/chip/ must run unchanged in a browser, so it cannot import
 * core's AppError; `kind` uses the same vocabulary so a server can map it the same way.
 */
export type ChipErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'internal';

export type ChipErrorCode =
  | 'CHIP_ARGUMENT'
  | 'CHIP_APDU'
  | 'CHIP_FILE_CORRUPT'
  | 'CHIP_ISSUER_KEY'
  | 'CHIP_STATE'
  | 'CHIP_PIN_FORMAT'
  | 'CHIP_RESPONSE'
  | 'CHIP_PIN_WRONG'
  | 'CHIP_PIN_LOCKED'
  | 'CHIP_SECURITY'
  | 'CHIP_NOT_FOUND'
  | 'CHIP_INTERNAL';

const KINDS: Record<ChipErrorCode, ChipErrorKind> = {
  CHIP_ARGUMENT: 'invalid',
  CHIP_APDU: 'invalid',
  CHIP_FILE_CORRUPT: 'invalid',
  CHIP_ISSUER_KEY: 'forbidden',
  CHIP_STATE: 'conflict',
  CHIP_PIN_FORMAT: 'invalid',
  CHIP_RESPONSE: 'internal',
  CHIP_PIN_WRONG: 'unauthenticated',
  CHIP_PIN_LOCKED: 'forbidden',
  CHIP_SECURITY: 'forbidden',
  CHIP_NOT_FOUND: 'not-found',
  CHIP_INTERNAL: 'internal',
};

export class ChipError extends Error {
  readonly code: ChipErrorCode;
  readonly kind: ChipErrorKind;

  constructor(code: ChipErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChipError';
    this.code = code;
    this.kind = KINDS[code];
  }
}
