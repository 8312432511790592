import { assertDigits, type NumberRules, type NumberValidation, validateWith } from './check-digit.ts';

/** Weights of the 5-digit code read left to right (全国地方公共団体コード, as published by 総務省). */
const WEIGHTS = [6, 5, 4, 3, 2] as const;

const CODES = {
  empty: 'MUNICIPALITY_CODE_EMPTY',
  notDigits: 'MUNICIPALITY_CODE_NOT_DIGITS',
  length: 'MUNICIPALITY_CODE_LENGTH',
  checkDigit: 'MUNICIPALITY_CODE_CHECK_DIGIT',
} as const;

/**
 * Check digit of a local-government code (全国地方公共団体コード) from its 5-digit body
 * (2-digit prefecture + 3-digit municipality): 11 − (Σ d_i·w_i mod 11) with weights
 * 6,5,4,3,2, keeping only the last digit of the result. So remainder 0 gives 1 (新宿区
 * 13104 → 131041) and remainder 1 gives 0 (渋谷区 13113 → 131130). Remainders 0 and 10
 * both give 1, so a substitution that moves the sum between them goes undetected.
 *
 * @throws AppError `MUNICIPALITY_CODE_NOT_DIGITS` | `MUNICIPALITY_CODE_LENGTH` unless 5 ASCII digits.
 * @example
 * municipalityCheckDigit('13101'); // → 6 (千代田区 131016)
 */
export function municipalityCheckDigit(code5: string): number {
  assertDigits(code5, 5, 'municipality code body', CODES);
  let sum = 0;
  for (let i = 0; i < 5; i++) sum += Number(code5[i]) * WEIGHTS[i]!;
  return (11 - (sum % 11)) % 10;
}

const RULES: NumberRules = {
  label: 'municipality code',
  length: 6,
  codes: CODES,
  checkAt: 5,
  compute: municipalityCheckDigit,
};

/**
 * Validates a 6-digit local-government code (5 digits + check digit). Full-width digits,
 * spaces and hyphens are accepted and removed. It checks the form only, not that the
 * municipality exists (merged municipalities keep valid-looking codes).
 *
 * @example
 * validateMunicipalityCode('131016'); // → { ok: true, value: '131016' }
 */
export function validateMunicipalityCode(input: string): NumberValidation {
  return validateWith(RULES, input);
}
