import { AppError, type ErrorDetail, type ErrorKind } from '../core/index.ts';

/** The OpenID Connect provider's own failures (protocol errors are the library's OAuth errors). */
export const OIDC_ERRORS = {
  OIDC_CLIENT_INVALID: 'The relying party registration is invalid (see details).',
  OIDC_CLIENT_NOT_FOUND: 'No relying party has this client id.',
  OIDC_INTERACTION_NOT_FOUND:
    'The sign-in request is unknown or has expired in this browser; start again from the service.',
  OIDC_INTERACTION_STEP: 'This sign-in request is waiting for another step.',
  OIDC_ITEM_NOT_REQUESTED: 'The consent names an item the service did not ask for.',
  OIDC_SIGNING_KEY_UNREADABLE: 'The stored ID-token signing key cannot be decrypted with this master key.',
  OIDC_DEMO_NOT_SET_UP: 'The demo library is not registered on this server (run `myna demo`).',
  OIDC_DEMO_CALLBACK_FAILED: 'The demo library could not complete the sign-in (see the message).',
} as const;

export type OidcErrorCode = keyof typeof OIDC_ERRORS;

export function oidcError(
  code: OidcErrorCode,
  kind: ErrorKind,
  message: string = OIDC_ERRORS[code],
  details: readonly ErrorDetail[] = [],
): AppError {
  return new AppError(code, kind, message, { details });
}
