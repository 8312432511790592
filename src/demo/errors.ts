import { AppError } from '../core/index.ts';

/** Stable error codes of the demo generator. Documented in docs/errors.md. */
export const DEMO_ERRORS = {
  DEMO_INVALID_OPTIONS: 'The options for the synthetic town are invalid (see details).',
} as const;
export type DemoErrorCode = keyof typeof DEMO_ERRORS;

/** An `invalid` error naming the offending option. */
export function invalidOption(at: string, message: string): AppError {
  return new AppError('DEMO_INVALID_OPTIONS', 'invalid', DEMO_ERRORS.DEMO_INVALID_OPTIONS, {
    details: [{ at, code: 'DEMO_INVALID_OPTIONS', message }],
  });
}
