import { AppError, type ErrorDetail, type ErrorKind } from '../core/index.ts';

export function cardError(
  code: string,
  kind: ErrorKind,
  message: string,
  details: readonly ErrorDetail[] = [],
): AppError {
  return new AppError(code, kind, message, { details });
}
