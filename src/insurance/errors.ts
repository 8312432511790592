import { AppError, type ErrorDetail, type ErrorKind } from '../core/index.ts';

/** Stable error codes of health insurance enrolment. Documented in docs/errors.md. */
export const INSURANCE_ERRORS = {
  INSURANCE_INVALID_INSURER_NUMBER:
    'The insurer number is not 6 or 8 digits with a valid check digit (検証番号).',
  INSURANCE_INSURER_KIND_MISMATCH:
    'The insurer kind does not fit the insurer number (6 digits: national health insurance; 法別 39: late-stage elderly).',
  INSURANCE_INSURER_NOT_FOUND: 'No insurer with this insurer number is registered.',
  INSURANCE_INSURER_EXISTS:
    'An insurer with this insurer number, or for this institution, is already registered.',
  INSURANCE_NOT_AN_INSURER_INSTITUTION:
    'The institution is not an insurer institution whose code is this insurer number.',
  INSURANCE_NOT_YOUR_INSURER: "Only the insurer's own officers may act on its enrolments.",
  INSURANCE_INVALID_ENROLMENT: 'The enrolment has one or more invalid items (see details).',
  INSURANCE_NUMBER_MISMATCH:
    'The individual number given does not belong to the person described by the four basic items; nothing was linked.',
  INSURANCE_NO_REGISTER_MATCH:
    'No resident in the register matches the four basic items; check the form and submit again.',
  INSURANCE_DUPLICATE_ENROLMENT:
    'This insurer already has an enrolment in force with this symbol, number and branch number.',
  INSURANCE_ENROLMENT_NOT_FOUND: 'This insurer has no enrolment with this id.',
  INSURANCE_INSURED_NOT_FOUND:
    "The dependant's insured person is not an enrolment of this insurer as insured person (本人).",
  INSURANCE_ENROLMENT_ENDED: 'The enrolment has already ended.',
  INSURANCE_INVALID_END:
    'The loss of qualification needs a date on or after the qualification date and a reason.',
  INSURANCE_REVIEW_NOT_FOUND: 'No link review has this id.',
  INSURANCE_REVIEW_DECIDED: 'The link review has already been decided.',
  INSURANCE_INVALID_DECISION:
    'The decision must link to one of the candidates shown in the review, or reject, with a reason.',
} as const;
export type InsuranceErrorCode = keyof typeof INSURANCE_ERRORS;

export function insuranceError(
  code: InsuranceErrorCode,
  kind: ErrorKind,
  details: readonly ErrorDetail[] = [],
  message: string = INSURANCE_ERRORS[code],
): AppError {
  return new AppError(code, kind, message, { details });
}
