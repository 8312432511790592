import type { ErrorDetail } from '../core/index.ts';
import { parseDate, parseSex, type Sex } from '../matching/index.ts';
import { validateIndividualNumber } from '../number/index.ts';
import type { InsurerKind } from './insurer-number.ts';

/** 被保険者証区分 (InsuredCardClassification, DOMAIN.md §2.2). */
export const CARD_CLASSIFICATIONS = ['01', '02', '03', '04', '05', '06', '07'] as const;
/** 限度額適用 適用区分: A01–A06 (ア–オ(境)), B01–B10 (現役並みⅢ … 一般Ⅰ). */
export const HIGH_COST_CATEGORIES = [
  ...['01', '02', '03', '04', '05', '06'].map((n) => `A${n}`),
  ...['01', '02', '03', '04', '05', '06', '07', '08', '09', '10'].map((n) => `B${n}`),
] as const;
export const COPAY_RATIOS = [10, 20, 30] as const;

/** An enrolment (資格取得届) as an insurer submits it, validated. */
export interface EnrolmentInput {
  readonly symbol: string;
  readonly number: string;
  readonly branch: string;
  readonly relation: 'self' | 'dependant';
  readonly insuredEnrolmentId: string | null;
  readonly insuredPersonRelation: string | null;
  readonly cardClassification: string;
  readonly copayRatio: number;
  readonly qualificationDate: string;
  readonly validUntil: string | null;
  readonly highCostCategory: string | null;
  readonly familyName: string;
  readonly givenName: string | null;
  readonly familyNameKana: string | null;
  readonly givenNameKana: string | null;
  readonly birthDate: string;
  readonly sex: Sex;
  readonly address: string;
  /** Only when the person gave it; used to look them up, never stored. */
  readonly individualNumber: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Control characters (C0 and DEL) have no place in any item of a form. */
const hasControl = (s: string): boolean =>
  [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/**
 * Checks every item of a submitted enrolment and reports all problems at once. Pure; the
 * insurer's kind adds its own rules (no dependants in late-stage elderly insurance).
 */
export function validateEnrolment(
  raw: unknown,
  kind: InsurerKind,
): { ok: true; value: EnrolmentInput } | { ok: false; errors: ErrorDetail[] } {
  const errors: ErrorDetail[] = [];
  const b = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const bad = (at: string, code: string, message: string): void => {
    errors.push({ at, code, message });
  };
  const text = (at: string, max: number, required: boolean): string | null => {
    const v = b[at];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
      if (required) bad(at, 'REQUIRED', `${at} is required`);
      return null;
    }
    if (typeof v !== 'string') {
      bad(at, 'TYPE', `${at} must be text`);
      return null;
    }
    const s = v.normalize('NFC').trim();
    if (s.length > max || hasControl(s)) {
      bad(at, 'FORMAT', `${at} has at most ${max} printable characters`);
      return null;
    }
    return s;
  };
  const date = (at: string, required: boolean): string | null => {
    const s = text(at, 40, required);
    if (s === null) return null;
    const d = parseDate(s);
    if (!d.ok) {
      bad(at, d.code, d.message);
      return null;
    }
    return d.value;
  };

  const symbol = text('symbol', 20, true);
  const number = text('number', 20, true);
  if (number !== null && !/^[0-9A-Za-z-]+$/.test(number.normalize('NFKC')))
    bad('number', 'FORMAT', 'the insured number (被保険者番号) is digits and Latin letters');
  const branch = text('branch', 2, true);
  if (branch !== null && !/^\d{2}$/.test(branch))
    bad('branch', 'FORMAT', 'the branch number (枝番) is 2 digits');

  const relation = b['relation'];
  if (relation !== 'self' && relation !== 'dependant')
    bad('relation', 'FORMAT', "relation is 'self' (本人) or 'dependant' (家族)");
  const insuredEnrolmentId = text('insuredEnrolmentId', 36, relation === 'dependant');
  const insuredPersonRelation = text('insuredPersonRelation', 20, relation === 'dependant');
  if (relation === 'self' && (insuredEnrolmentId !== null || insuredPersonRelation !== null))
    bad('relation', 'SELF_HAS_INSURED', 'an insured person (本人) has no insured person of their own');
  if (insuredEnrolmentId !== null && !UUID.test(insuredEnrolmentId))
    bad('insuredEnrolmentId', 'FORMAT', "the insured person's enrolment id is a UUID");
  if (kind === 'late-elderly' && relation === 'dependant')
    bad('relation', 'NO_DEPENDANTS', 'late-stage elderly insurance has no dependants: everyone is insured');

  const cardClassification = text('cardClassification', 2, true);
  if (
    cardClassification !== null &&
    !(CARD_CLASSIFICATIONS as readonly string[]).includes(cardClassification)
  )
    bad('cardClassification', 'FORMAT', `cardClassification is one of ${CARD_CLASSIFICATIONS.join(', ')}`);
  const copayRatio = b['copayRatio'];
  if (!(COPAY_RATIOS as readonly unknown[]).includes(copayRatio))
    bad('copayRatio', 'FORMAT', 'copayRatio is 10, 20 or 30 (percent)');

  const qualificationDate = date('qualificationDate', true);
  const validUntil = date('validUntil', false);
  if (qualificationDate !== null && validUntil !== null && validUntil < qualificationDate)
    bad('validUntil', 'BEFORE_QUALIFICATION', 'validUntil is on or after the qualification date');
  const highCostCategory = text('highCostCategory', 3, false);
  if (highCostCategory !== null && !(HIGH_COST_CATEGORIES as readonly string[]).includes(highCostCategory))
    bad('highCostCategory', 'FORMAT', 'highCostCategory is A01–A06 or B01–B10');

  const familyName = text('familyName', 100, true);
  const givenName = text('givenName', 100, false);
  const familyNameKana = text('familyNameKana', 100, false);
  const givenNameKana = text('givenNameKana', 100, false);
  const birthDate = date('birthDate', true);
  if (birthDate !== null && qualificationDate !== null && qualificationDate < birthDate)
    bad('qualificationDate', 'BEFORE_BIRTH', 'the qualification date is on or after the birth date');
  const sexText = text('sex', 32, true);
  const sex = sexText === null ? undefined : parseSex(sexText);
  if (sexText !== null && sex === undefined) bad('sex', 'FORMAT', 'sex is male, female or unspecified');
  const address = text('address', 300, true);

  let individualNumber: string | null = null;
  const n = text('individualNumber', 40, false);
  if (n !== null) {
    const v = validateIndividualNumber(n);
    if (v.ok) individualNumber = v.value;
    else bad('individualNumber', v.code, v.message);
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      symbol: symbol!,
      number: number!.normalize('NFKC'),
      branch: branch!,
      relation: relation as 'self' | 'dependant',
      insuredEnrolmentId: insuredEnrolmentId?.toLowerCase() ?? null,
      insuredPersonRelation,
      cardClassification: cardClassification!,
      copayRatio: copayRatio as number,
      qualificationDate: qualificationDate!,
      validUntil,
      highCostCategory,
      familyName: familyName!,
      givenName,
      familyNameKana,
      givenNameKana,
      birthDate: birthDate!,
      sex: sex!,
      address: address!,
      individualNumber,
    },
  };
}
