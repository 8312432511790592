import { AppError } from '../core/index.ts';
import { normalizeDigits } from './normalize-digits.ts';

/** Stable codes for every way a typed individual, corporate or municipality number can be wrong. */
export type NumberErrorCode =
  | 'NUMBER_EMPTY'
  | 'NUMBER_NOT_DIGITS'
  | 'NUMBER_LENGTH'
  | 'NUMBER_CHECK_DIGIT'
  | 'CORPORATE_NUMBER_EMPTY'
  | 'CORPORATE_NUMBER_NOT_DIGITS'
  | 'CORPORATE_NUMBER_LENGTH'
  | 'CORPORATE_NUMBER_CHECK_DIGIT'
  | 'MUNICIPALITY_CODE_EMPTY'
  | 'MUNICIPALITY_CODE_NOT_DIGITS'
  | 'MUNICIPALITY_CODE_LENGTH'
  | 'MUNICIPALITY_CODE_CHECK_DIGIT';

/** Result of a validator: the normalised digits, or a coded reason. Validators never throw. */
export type NumberValidation =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly code: NumberErrorCode; readonly message: string };

/** Weights of the 11-digit body read left to right (Q_n for n = 11..1 in 総務省令第85号 art. 5). */
const INDIVIDUAL_WEIGHTS = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

/**
 * Guards the check-digit functions, whose callers pass already-validated digits: a wrong
 * argument there is a programming error, but it must still fail loudly, never compute a
 * digit from garbage.
 */
export function assertDigits(
  value: string,
  length: number,
  label: string,
  codes: { readonly notDigits: NumberErrorCode; readonly length: NumberErrorCode },
): void {
  if (!/^[0-9]*$/.test(value)) {
    throw new AppError(codes.notDigits, 'invalid', `${label} must contain only ASCII digits`);
  }
  if (value.length !== length) {
    throw new AppError(codes.length, 'invalid', `${label} must have ${length} digits, not ${value.length}`);
  }
}

const INDIVIDUAL_CODES = { notDigits: 'NUMBER_NOT_DIGITS', length: 'NUMBER_LENGTH' } as const;
const CORPORATE_CODES = {
  notDigits: 'CORPORATE_NUMBER_NOT_DIGITS',
  length: 'CORPORATE_NUMBER_LENGTH',
} as const;

/**
 * Check digit of an individual number (個人番号) from its 11-digit body.
 * r = Σ P_n·Q_n mod 11; the digit is 0 when r ≤ 1, else 11 − r (DOMAIN.md §1.1).
 *
 * @throws AppError `NUMBER_NOT_DIGITS` | `NUMBER_LENGTH` unless `body11` is 11 ASCII digits.
 * @example
 * individualCheckDigit('62149832025'); // → 7
 */
export function individualCheckDigit(body11: string): number {
  assertDigits(body11, 11, 'individual number body', INDIVIDUAL_CODES);
  let sum = 0;
  for (let i = 0; i < 11; i++) sum += Number(body11[i]) * INDIVIDUAL_WEIGHTS[i]!;
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

/**
 * Check digit of a corporate number (法人番号) from its 12-digit base: 9 − (Σ P_n·Q_n mod 9)
 * with Q_n = 1 for odd n and 2 for even n, counted from the right (DOMAIN.md §1.2).
 * The result is always 1–9; it is written in front of the base.
 *
 * @throws AppError `CORPORATE_NUMBER_NOT_DIGITS` | `CORPORATE_NUMBER_LENGTH` unless `base12` is 12 ASCII digits.
 * @example
 * corporateCheckDigit('000012050002'); // → 7
 */
export function corporateCheckDigit(base12: string): number {
  assertDigits(base12, 12, 'corporate number base', CORPORATE_CODES);
  let sum = 0;
  for (let n = 1; n <= 12; n++) sum += Number(base12[12 - n]) * (n % 2 === 1 ? 1 : 2);
  return 9 - (sum % 9);
}

/** Messages and codes for one kind of number; shared by the validators in this folder (internal). */
export interface NumberRules {
  readonly label: string;
  readonly length: number;
  readonly codes: {
    readonly empty: NumberErrorCode;
    readonly notDigits: NumberErrorCode;
    readonly length: NumberErrorCode;
    readonly checkDigit: NumberErrorCode;
  };
  /** Index of the check digit in the string. */
  readonly checkAt: number;
  /** Computes the check digit from the other digits, in order. */
  readonly compute: (rest: string) => number;
}

/**
 * Normalises and validates a number against `rules`; shared by the validators in this
 * folder (internal, not for re-export). It never throws for a string input: every failure
 * is returned with its code so forms can show it next to the field.
 */
export function validateWith(rules: NumberRules, input: string): NumberValidation {
  const value = normalizeDigits(input);
  if (value.length === 0) {
    return { ok: false, code: rules.codes.empty, message: `${rules.label} is empty` };
  }
  if (!/^[0-9]+$/.test(value)) {
    return { ok: false, code: rules.codes.notDigits, message: `${rules.label} must contain only digits` };
  }
  if (value.length !== rules.length) {
    return {
      ok: false,
      code: rules.codes.length,
      message: `${rules.label} must have ${rules.length} digits, not ${value.length}`,
    };
  }
  const rest = value.slice(0, rules.checkAt) + value.slice(rules.checkAt + 1);
  const expected = rules.compute(rest);
  const actual = Number(value[rules.checkAt]);
  if (expected !== actual) {
    return {
      ok: false,
      code: rules.codes.checkDigit,
      message: `${rules.label} check digit should be ${expected}, not ${actual}`,
    };
  }
  return { ok: true, value };
}

const INDIVIDUAL_RULES: NumberRules = {
  label: 'individual number',
  length: 12,
  codes: {
    empty: 'NUMBER_EMPTY',
    notDigits: 'NUMBER_NOT_DIGITS',
    length: 'NUMBER_LENGTH',
    checkDigit: 'NUMBER_CHECK_DIGIT',
  },
  checkAt: 11,
  compute: individualCheckDigit,
};

const CORPORATE_RULES: NumberRules = {
  label: 'corporate number',
  length: 13,
  codes: {
    empty: 'CORPORATE_NUMBER_EMPTY',
    notDigits: 'CORPORATE_NUMBER_NOT_DIGITS',
    length: 'CORPORATE_NUMBER_LENGTH',
    checkDigit: 'CORPORATE_NUMBER_CHECK_DIGIT',
  },
  checkAt: 0,
  compute: corporateCheckDigit,
};

/**
 * Validates a typed individual number (12 digits, check digit last). Full-width digits,
 * spaces and hyphens are accepted and removed; `value` is the 12 ASCII digits.
 *
 * @example
 * validateIndividualNumber('6214 9832 0257'); // → { ok: true, value: '621498320257' }
 * validateIndividualNumber('621498320255').ok; // → false, code 'NUMBER_CHECK_DIGIT'
 */
export function validateIndividualNumber(input: string): NumberValidation {
  return validateWith(INDIVIDUAL_RULES, input);
}

/**
 * Validates a corporate number (13 digits, check digit first).
 *
 * @example
 * validateCorporateNumber('7000012050002'); // → { ok: true, value: '7000012050002' }
 */
export function validateCorporateNumber(input: string): NumberValidation {
  return validateWith(CORPORATE_RULES, input);
}

function twelveDigits(n: string): string {
  const digits = normalizeDigits(n);
  assertDigits(digits, 12, 'individual number', INDIVIDUAL_CODES);
  return digits;
}

/**
 * Formats an individual number as printed on the card, `NNNN NNNN NNNN`. Input is
 * normalised first; the check digit is not verified (use the validator for that).
 *
 * @throws AppError `NUMBER_NOT_DIGITS` | `NUMBER_LENGTH` unless the input is 12 digits.
 * @example
 * formatIndividualNumber('621498320257'); // → '6214 9832 0257'
 */
export function formatIndividualNumber(n: string): string {
  const d = twelveDigits(n);
  return `${d.slice(0, 4)} ${d.slice(4, 8)} ${d.slice(8)}`;
}

/**
 * Masks all but the last four digits, the way insurers print the number on notices so
 * members can spot a mis-linked record (DOMAIN.md §2.2). It refuses anything that is not
 * 12 digits, because masking a mistyped or shorter string could reveal more than four.
 *
 * @throws AppError `NUMBER_NOT_DIGITS` | `NUMBER_LENGTH` unless the input is 12 digits.
 * @example
 * maskIndividualNumber('621498320257'); // → '**** **** 0257'
 */
export function maskIndividualNumber(n: string): string {
  return `**** **** ${twelveDigits(n).slice(8)}`;
}
