import * as asn1js from 'asn1js';
import { AppError } from '../core/index.ts';
import { parseDer } from './x509.ts';

/**
 * The 4 basic items (基本4情報) as the signature certificate carries them: one
 * subjectAltName otherName each, under the JPKI arc 1.2.392.200149.8.5.5 (DOMAIN §3.4).
 * The subject DN itself never holds personal data.
 */
export const HOLDER_OIDS = {
  name: '1.2.392.200149.8.5.5.1',
  sex: '1.2.392.200149.8.5.5.3',
  birthDate: '1.2.392.200149.8.5.5.4',
  address: '1.2.392.200149.8.5.5.5',
} as const;

/** Same values as the register's `Sex`. */
export type HolderSex = 'male' | 'female' | 'unspecified';

export interface Holder {
  /** The name as on the resident record (kanji, or Latin script for some foreign residents). */
  readonly name: string;
  /** Gregorian calendar date, YYYY-MM-DD. */
  readonly birthDate: string;
  readonly sex: HolderSex;
  readonly address: string;
}

const SEX_CODE: Record<HolderSex, string> = { male: '1', female: '2', unspecified: '3' };
const MAX_NAME = 200;
const MAX_ADDRESS = 400;

/**
 * Eras by their last day, in Gregorian dates (明治 1 … 令和 5). A date is in the first
 * era whose last day is not before it.
 */
const ERAS: readonly (readonly [digit: string, lastDay: string])[] = [
  ['1', '1912-07-29'],
  ['2', '1926-12-24'],
  ['3', '1989-01-07'],
  ['4', '2019-04-30'],
  ['5', '9999-12-31'],
];
/** 明治 began on this Gregorian day (明治元年1月1日, counted back). */
const FIRST_DAY = '1868-01-25';

function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/**
 * A birth date as JPKI writes it: the era digit, then the Gregorian YYYYMMDD
 * (1980-02-29 → `319800229`). Undefined for an impossible date or one before 明治.
 */
export function encodeBirthDate(isoDate: string): string | undefined {
  if (!isCalendarDate(isoDate) || isoDate < FIRST_DAY) return undefined;
  const era = ERAS.find(([, last]) => isoDate <= last);
  return era === undefined ? undefined : `${era[0]}${isoDate.replaceAll('-', '')}`;
}

/** The reverse of {@link encodeBirthDate}; undefined unless the era digit fits the date. */
export function decodeBirthDate(text: string): string | undefined {
  const m = /^([1-5])(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const iso = `${m[2]}-${m[3]}-${m[4]}`;
  return encodeBirthDate(iso) === text ? iso : undefined;
}

function profileError(message: string): AppError {
  return new AppError('PKI_PROFILE', 'invalid', message);
}

// Controls would let one item masquerade as several on a printout.
const CONTROL = /\p{Cc}/u;

/** Checks the holder's items; `today` (YYYY-MM-DD) bounds the birth date. */
export function validateHolder(holder: Holder, today: string): void {
  const name = holder.name.trim();
  if (name.length === 0 || name.length > MAX_NAME || CONTROL.test(name)) {
    throw profileError(`the holder's name must be 1–${MAX_NAME} printable characters`);
  }
  const address = holder.address.trim();
  if (address.length === 0 || address.length > MAX_ADDRESS || CONTROL.test(address)) {
    throw profileError(`the holder's address must be 1–${MAX_ADDRESS} printable characters`);
  }
  if (encodeBirthDate(holder.birthDate) === undefined || holder.birthDate > today) {
    throw profileError("the holder's birth date must be a real past date (YYYY-MM-DD) from 1868-01-25 on");
  }
  if (!Object.hasOwn(SEX_CODE, holder.sex)) {
    throw profileError("the holder's sex must be male, female or unspecified");
  }
}

function otherName(oid: string, text: string): asn1js.Constructed {
  // OtherName ::= [0] IMPLICIT SEQUENCE { type-id OID, value [0] EXPLICIT ANY }
  return new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 0 },
    value: [
      new asn1js.ObjectIdentifier({ value: oid }),
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1js.Utf8String({ value: text })],
      }),
    ],
  });
}

/** The subjectAltName extension value (GeneralNames, DER) for a validated holder. */
export function holderAltNames(holder: Holder): Uint8Array {
  const names = new asn1js.Sequence({
    value: [
      otherName(HOLDER_OIDS.name, holder.name.trim()),
      otherName(HOLDER_OIDS.birthDate, encodeBirthDate(holder.birthDate)!),
      otherName(HOLDER_OIDS.sex, SEX_CODE[holder.sex]),
      otherName(HOLDER_OIDS.address, holder.address.trim()),
    ],
  });
  return new Uint8Array(names.toBER());
}

const STRING_TYPES = [
  asn1js.Utf8String,
  asn1js.PrintableString,
  asn1js.IA5String,
  asn1js.BmpString,
  asn1js.UniversalString,
  asn1js.TeletexString,
  asn1js.VisibleString,
];

function stringOf(block: unknown): string | undefined {
  for (const type of STRING_TYPES) {
    if (block instanceof type) return block.valueBlock.value;
  }
  return undefined;
}

/**
 * The holder's items from a subjectAltName extension value, or undefined when it does
 * not carry all four well-formed items. Never throws on malformed input.
 */
export function holderFromAltNames(extnValue: Uint8Array): Holder | undefined {
  const parsed = parseDer(extnValue);
  if (!(parsed instanceof asn1js.Sequence)) return undefined;
  const items = new Map<string, string>();
  for (const element of parsed.valueBlock.value) {
    if (element.idBlock.tagClass !== 3 || element.idBlock.tagNumber !== 0) continue;
    if (!(element instanceof asn1js.Constructed)) continue;
    const [oid, wrapped] = element.valueBlock.value;
    if (!(oid instanceof asn1js.ObjectIdentifier) || !(wrapped instanceof asn1js.Constructed)) continue;
    const text = stringOf(wrapped.valueBlock.value[0]);
    if (text !== undefined) items.set(oid.valueBlock.toString(), text);
  }
  const name = items.get(HOLDER_OIDS.name);
  const address = items.get(HOLDER_OIDS.address);
  const birth = items.get(HOLDER_OIDS.birthDate);
  const sexCode = items.get(HOLDER_OIDS.sex);
  const birthDate = birth === undefined ? undefined : decodeBirthDate(birth);
  const sex = (Object.keys(SEX_CODE) as HolderSex[]).find((s) => SEX_CODE[s] === sexCode);
  if (name === undefined || address === undefined || birthDate === undefined || sex === undefined)
    return undefined;
  return { name, birthDate, sex, address };
}
