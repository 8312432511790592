/**
 * One error base for every domain. A domain names its failures with stable codes
 * (`NUMBER_CHECK_DIGIT`, `REGISTRY_UNKNOWN_MUNICIPALITY`, …) and says what kind of
 * failure it is; only `server/` turns the kind into an HTTP status.
 */
export type ErrorKind =
  | 'invalid' // the caller sent something malformed or impossible
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict' // valid, but clashes with the current state
  | 'too-large'
  | 'unsupported-media'
  | 'internal';

export interface ErrorDetail {
  /** Where the problem is: a field name, a CSV line, a path. */
  readonly at?: string;
  readonly code: string;
  readonly message: string;
}

export class AppError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  /** Whether the message may be shown to the caller. Internal errors are not. */
  readonly expose: boolean;
  readonly details: readonly ErrorDetail[];

  constructor(
    code: string,
    kind: ErrorKind,
    message: string,
    options: { cause?: unknown; details?: readonly ErrorDetail[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.kind = kind;
    this.expose = kind !== 'internal';
    this.details = options.details ?? [];
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
