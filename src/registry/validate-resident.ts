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

/**
 * Collects every problem of one input. A class rather than closures: validation runs a
 * million times in an import, and closures made per call cost more than the checks.
 */
class Check {
  readonly errors: ErrorDetail[] = [];
  constructor(
    private readonly raw: Raw,
    private readonly today: string,
  ) {}

  bad(at: string, code: string, message: string): void {
    this.errors.push({ at, code, message });
  }

  text(key: string): string | undefined {
    return text(this.raw, key);
  }

  name(key: string, required: boolean): string | undefined {
    const v = this.text(key);
    if (v === undefined) {
      if (required) this.bad(key, 'NAME_EMPTY', `${key} must not be empty`);
    } else if (v.length > MAX_NAME)
      this.bad(key, 'NAME_TOO_LONG', `${key} is longer than ${MAX_NAME} characters`);
    else if (hasForbidden(v))
      this.bad(key, 'NAME_INVALID_CHARACTER', `${key} contains a control or replacement character`);
    return v;
  }

  kana(key: string): string | undefined {
    const v = this.text(key);
    if (v !== undefined && !isKana(v)) this.bad(key, 'KANA_INVALID', `${key} must be written in kana only`);
    else if (v !== undefined && v.length > MAX_NAME) this.bad(key, 'NAME_TOO_LONG', `${key} is too long`);
    return v?.normalize('NFKC');
  }

  date(key: string, required: boolean): string | undefined {
    const v = this.text(key);
    if (v === undefined) {
      if (required) this.bad(key, 'FIELD_REQUIRED', `${key} is required`);
      return undefined;
    }
    const parsed = parseDate(v);
    if (!parsed.ok) {
      this.bad(key, parsed.code, `${key}: ${parsed.message}`);
      return undefined;
    }
    if (parsed.value > this.today) {
      this.bad(key, 'DATE_IN_FUTURE', `${key} ${parsed.value} is in the future`);
      return undefined;
    }
    return parsed.value;
  }

  /** A short code-like item: matches `pattern`, or is at most `pattern` characters of text. */
  short(key: string, pattern: RegExp | number, code: string, message: string): string | undefined {
    const v = this.text(key)?.normalize('NFKC');
    const ok =
      typeof pattern === 'number'
        ? v === undefined || (v.length <= pattern && !hasForbidden(v))
        : v === undefined || pattern.test(v);
    if (!ok) this.bad(key, code, message);
    return v;
  }
}

const ID_PATTERN = /^[0-9A-Za-z-]{1,20}$/;

/** Turns untrusted input (JSON body or CSV row) into a resident, or says every problem. */
export function validateResident(raw: Raw, ctx: ValidationContext): Validated<ResidentInput> {
  const c = new Check(raw, ctx.today);
  for (const key in raw) {
    const value = raw[key];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      c.bad(key, 'FIELD_NOT_TEXT', `${key} must be text`);
    }
  }

  const municipalityCode = c.text('municipalityCode');
  if (municipalityCode === undefined)
    c.bad('municipalityCode', 'FIELD_REQUIRED', 'municipalityCode is required');
  else if (!validateMunicipalityCode(municipalityCode).ok) {
    c.bad(
      'municipalityCode',
      'MUNICIPALITY_CODE_INVALID',
      'municipalityCode is not a valid 6-digit local government code',
    );
  } else if (!ctx.municipalities.has(municipalityCode)) {
    c.bad(
      'municipalityCode',
      'REGISTRY_UNKNOWN_MUNICIPALITY',
      `municipality ${municipalityCode} is not registered`,
    );
  }

  const familyName = c.name('familyName', true);
  const givenName = c.name('givenName', false);
  const familyNameKana = c.kana('familyNameKana');
  const givenNameKana = c.kana('givenNameKana');
  const birthDate = c.date('birthDate', true);
  const movedInDate = c.date('movedInDate', false);
  if (birthDate !== undefined && movedInDate !== undefined && movedInDate < birthDate) {
    c.bad('movedInDate', 'DATE_BEFORE_BIRTH', 'movedInDate is before birthDate');
  }

  const sexText = c.text('sex');
  const sex = sexText === undefined ? undefined : parseSex(sexText);
  if (sexText === undefined) c.bad('sex', 'FIELD_REQUIRED', 'sex is required');
  else if (sex === undefined)
    c.bad('sex', 'SEX_INVALID', 'sex must be male, female or unspecified (or 1, 2, 9)');

  const address = c.text('address');
  if (address === undefined) c.bad('address', 'ADDRESS_EMPTY', 'address must not be empty');
  else if (address.length > MAX_ADDRESS)
    c.bad('address', 'ADDRESS_TOO_LONG', `address is longer than ${MAX_ADDRESS}`);
  else if (hasForbidden(address))
    c.bad('address', 'ADDRESS_INVALID_CHARACTER', 'address contains a control character');

  let postalCode = c
    .text('postalCode')
    ?.normalize('NFKC')
    .replace(/[-‐－〒\s]/g, '');
  if (postalCode !== undefined && !/^\d{7}$/.test(postalCode)) {
    c.bad('postalCode', 'POSTAL_CODE_INVALID', 'postalCode must be 7 digits (NNN-NNNN)');
    postalCode = undefined;
  }

  const nationality = (c.text('nationality') ?? 'JP').normalize('NFKC').toUpperCase();
  if (!/^[A-Z]{2}$/.test(nationality)) {
    c.bad('nationality', 'NATIONALITY_INVALID', 'nationality must be JP or a 2-letter country code');
  }

  const localId = c.short(
    'localId',
    ID_PATTERN,
    'LOCAL_ID_INVALID',
    'localId must be 1-20 letters, digits or hyphens',
  );
  const householdId = c.short(
    'householdId',
    ID_PATTERN,
    'HOUSEHOLD_ID_INVALID',
    'householdId must be 1-20 letters, digits or hyphens',
  );
  const relationship = c.short(
    'relationship',
    20,
    'RELATIONSHIP_INVALID',
    'relationship must be at most 20 characters, without control characters',
  );
  const residenceStatus = c.short(
    'residenceStatus',
    40,
    'RESIDENCE_STATUS_INVALID',
    'residenceStatus must be at most 40 characters, without control characters',
  );

  if (c.errors.length > 0) return { ok: false, errors: c.errors };
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
