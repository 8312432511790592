import { AppError, type ErrorDetail } from '../core/index.ts';

/** Stable error codes of the register. Documented in docs/errors.md. */
export const REGISTRY_ERRORS = {
  REGISTRY_INVALID_RESIDENT: 'The resident data has one or more invalid items (see details).',
  REGISTRY_UNKNOWN_MUNICIPALITY: 'The municipality code is not in the register of municipalities.',
  REGISTRY_RESIDENT_NOT_FOUND: 'No resident has this id.',
  REGISTRY_LOCAL_ID_TAKEN: 'Another resident of this municipality already has this 宛名番号.',
  REGISTRY_RESIDENT_DECEASED:
    'The resident is recorded as deceased; only a correction may change the record.',
  REGISTRY_INVALID_EVENT: 'The life event is invalid (see details).',
  REGISTRY_REVIEW_NOT_FOUND: 'No registration review has this id.',
  REGISTRY_REVIEW_DECIDED: 'The registration review has already been decided.',
  REGISTRY_VERSION_CONFLICT: 'The resident was changed by someone else; reload and try again.',
  REGISTRY_INVALID_SEARCH: 'The search needs a number, or a name with a birth date.',
} as const;
export type RegistryErrorCode = keyof typeof REGISTRY_ERRORS;

export function registryError(
  code: RegistryErrorCode,
  kind: 'invalid' | 'not-found' | 'conflict',
  details: readonly ErrorDetail[] = [],
  message: string = REGISTRY_ERRORS[code],
): AppError {
  return new AppError(code, kind, message, { details });
}
