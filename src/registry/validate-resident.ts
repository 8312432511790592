import type { ErrorDetail } from '../core/index.ts';
import { isKana, parseDate, parseSex } from '../matching/index.ts';
import { validateMunicipalityCode } from '../number/index.ts';
import type { ResidentInput } from './resident.ts';

/** What validation needs to know of the world. */
export interface ValidationContext {
  /** Codes of the municipalities in the register. */
  readonly municipalities: ReadonlySet<string>;
  /** Today in JST (YYYY-MM-DD): no birth or event may be later. */
  readonly today: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: ErrorDetail[] };

const MAX_NAME = 100;
const MAX_ADDRESS = 200;
/** Control characters, or U+FFFD (the mark a broken encoding leaves behind). */
function hasForbidden(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0xfffd) return true;
  }
  return false;
}

type Raw = Readonly<Record<string, unknown>>;

function text(raw: Raw, key: string): string | undefined {
  const v = raw[key];
  if (typeof v !== 'string') return undefined;
  const t = v.normalize('NFC').trim();
  return t === '' ? undefined : t;
}

/** Turns untrusted input (JSON body or CSV row) into a resident, or says every problem. */
export function validateResident(raw: Raw, ctx: ValidationContext): Validated<ResidentInput> {
  const errors: ErrorDetail[] = [];
  const bad = (at: string, code: string, message: string): void => {
    errors.push({ at, code, message });
  };
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && value !== null && typeof value !== 'string') {
      bad(key, 'FIELD_NOT_TEXT', `${key} must be text`);
    }
  }

  const municipalityCode = text(raw, 'municipalityCode');
  if (municipalityCode === undefined)
    bad('municipalityCode', 'FIELD_REQUIRED', 'municipalityCode is required');
  else if (!validateMunicipalityCode(municipalityCode).ok) {
    bad(
      'municipalityCode',
      'MUNICIPALITY_CODE_INVALID',
      'municipalityCode is not a valid 6-digit local government code',
    );
  } else if (!ctx.municipalities.has(municipalityCode)) {
    bad(
      'municipalityCode',
      'REGISTRY_UNKNOWN_MUNICIPALITY',
      `municipality ${municipalityCode} is not registered`,
    );
  }

  const name = (key: string, required: boolean): string | undefined => {
    const v = text(raw, key);
    if (v === undefined) {
      if (required) bad(key, 'NAME_EMPTY', `${key} must not be empty`);
    } else if (v.length > MAX_NAME) bad(key, 'NAME_TOO_LONG', `${key} is longer than ${MAX_NAME} characters`);
    else if (hasForbidden(v))
      bad(key, 'NAME_INVALID_CHARACTER', `${key} contains a control or replacement character`);
    return v;
  };
  const familyName = name('familyName', true);
  const givenName = name('givenName', false);

  const kana = (key: string): string | undefined => {
    const v = text(raw, key);
    if (v !== undefined && !isKana(v)) bad(key, 'KANA_INVALID', `${key} must be written in kana only`);
    else if (v !== undefined && v.length > MAX_NAME) bad(key, 'NAME_TOO_LONG', `${key} is too long`);
    return v?.normalize('NFKC');
  };
  const familyNameKana = kana('familyNameKana');
  const givenNameKana = kana('givenNameKana');

  const date = (key: string, required: boolean): string | undefined => {
    const v = text(raw, key);
    if (v === undefined) {
      if (required) bad(key, 'FIELD_REQUIRED', `${key} is required`);
      return undefined;
    }
    const parsed = parseDate(v);
    if (!parsed.ok) {
      bad(key, parsed.code, `${key}: ${parsed.message}`);
      return undefined;
    }
    if (parsed.value > ctx.today) {
      bad(key, 'DATE_IN_FUTURE', `${key} ${parsed.value} is in the future`);
      return undefined;
    }
    return parsed.value;
  };
  const birthDate = date('birthDate', true);
  const movedInDate = date('movedInDate', false);
  if (birthDate !== undefined && movedInDate !== undefined && movedInDate < birthDate) {
    bad('movedInDate', 'DATE_BEFORE_BIRTH', 'movedInDate is before birthDate');
  }

  const sexText = text(raw, 'sex');
  const sex = sexText === undefined ? undefined : parseSex(sexText);
  if (sexText === undefined) bad('sex', 'FIELD_REQUIRED', 'sex is required');
  else if (sex === undefined)
    bad('sex', 'SEX_INVALID', 'sex must be male, female or unspecified (or 1, 2, 9)');

  const address = text(raw, 'address');
  if (address === undefined) bad('address', 'ADDRESS_EMPTY', 'address must not be empty');
  else if (address.length > MAX_ADDRESS)
    bad('address', 'ADDRESS_TOO_LONG', `address is longer than ${MAX_ADDRESS}`);
  else if (hasForbidden(address))
    bad('address', 'ADDRESS_INVALID_CHARACTER', 'address contains a control character');

  let postalCode = text(raw, 'postalCode')
    ?.normalize('NFKC')
    .replace(/[-‐－〒\s]/g, '');
  if (postalCode !== undefined && !/^\d{7}$/.test(postalCode)) {
    bad('postalCode', 'POSTAL_CODE_INVALID', 'postalCode must be 7 digits (NNN-NNNN)');
    postalCode = undefined;
  }

  const nationality = (text(raw, 'nationality') ?? 'JP').normalize('NFKC').toUpperCase();
  if (!/^[A-Z]{2}$/.test(nationality))
    bad('nationality', 'NATIONALITY_INVALID', 'nationality must be JP or a 2-letter country code');

  const short = (
    key: string,
    pattern: RegExp | number,
    code: string,
    message: string,
  ): string | undefined => {
    const v = text(raw, key)?.normalize('NFKC');
    const ok =
      typeof pattern === 'number'
        ? v === undefined || (v.length <= pattern && !hasForbidden(v))
        : v === undefined || pattern.test(v);
    if (!ok) bad(key, code, message);
    return v;
  };
  const localId = short(
    'localId',
    /^[0-9A-Za-z-]{1,20}$/,
    'LOCAL_ID_INVALID',
    'localId must be 1-20 letters, digits or hyphens',
  );
  const householdId = short(
    'householdId',
    /^[0-9A-Za-z-]{1,20}$/,
    'HOUSEHOLD_ID_INVALID',
    'householdId must be 1-20 letters, digits or hyphens',
  );
  const relationship = short(
    'relationship',
    20,
    'RELATIONSHIP_INVALID',
    'relationship must be at most 20 characters, without control characters',
  );
  const residenceStatus = short(
    'residenceStatus',
    40,
    'RESIDENCE_STATUS_INVALID',
    'residenceStatus must be at most 40 characters, without control characters',
  );

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      municipalityCode: municipalityCode!,
      localId,
      familyName: familyName!,
      givenName,
      familyNameKana,
      givenNameKana,
      birthDate: birthDate!,
      sex: sex!,
      postalCode,
      address: address!,
      nationality,
      residenceStatus,
      householdId,
      relationship,
      movedInDate,
    },
  };
}
