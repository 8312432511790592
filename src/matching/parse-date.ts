import { findEra } from './japanese-eras.ts';

/** Why a date string was rejected. Stable codes; callers show or map them. */
export type DateErrorCode = 'DATE_FORMAT' | 'DATE_IMPOSSIBLE' | 'DATE_OUT_OF_RANGE';

/** Result of {@link parseDate}: an ISO date or a coded reason. */
export type ParseDateResult =
  | { ok: true; value: string }
  | { ok: false; code: DateErrorCode; message: string };

const MIN_ISO = '1868-01-01';
const MAX_YEAR = 9999;

// Compiled once: parseDate runs on every imported birth date.
const SEPARATED = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const KANJI = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/;
const ERA =
  /^(明治|大正|昭和|平成|令和|[明大昭平令MTSHRmtshr])(元|\d{1,4})(?:年(\d{1,2})月(\d{1,2})日|([-/.])(\d{1,2})\5(\d{1,2}))$/;
const WHITESPACE = /\s+/g;

function fail(code: DateErrorCode, message: string): ParseDateResult {
  return { ok: false, code, message };
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function iso(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function checkGregorian(y: number, m: number, d: number): ParseDateResult {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    return fail('DATE_IMPOSSIBLE', `There is no day ${d} of month ${m} in ${y}.`);
  }
  const value = iso(y, m, d);
  if (y > MAX_YEAR || value < MIN_ISO) {
    return fail('DATE_OUT_OF_RANGE', `Dates must lie between ${MIN_ISO} and ${MAX_YEAR}-12-31.`);
  }
  return { ok: true, value };
}

function parseEraDate(eraToken: string, yearToken: string, m: number, d: number): ParseDateResult {
  const found = findEra(eraToken);
  if (found === undefined) return fail('DATE_FORMAT', 'Unknown era.');
  const eraYear = yearToken === '元' ? 1 : Number(yearToken);
  if (eraYear < 1) return fail('DATE_IMPOSSIBLE', `${found.era.name} has no year 0.`);
  const checked = checkGregorian(Number(found.era.start.slice(0, 4)) + eraYear - 1, m, d);
  if (!checked.ok) return checked;
  // An era covers [start, next start): 平成31年5月1日 is 令和元年5月1日, so it does not exist.
  if (checked.value < found.era.start || (found.end !== undefined && checked.value >= found.end)) {
    return fail(
      'DATE_IMPOSSIBLE',
      `${found.era.name} ran from ${found.era.start}${found.end === undefined ? '' : ` to the day before ${found.end}`}.`,
    );
  }
  return checked;
}

/**
 * Parses a date as written on Japanese forms into ISO 'YYYY-MM-DD'.
 *
 * Accepted: YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD (one- or two-digit month and day),
 * YYYYMMDD, YYYY年M月D日, full-width digits and separators, and era dates with the era
 * in full (昭和50年1月1日, 令和元年5月1日), as one kanji (昭50.1.1), as a letter M/T/S/H/R
 * (H5.2.3, S50/1/1), or as a ligature (㍻5年2月3日). The calendar is checked (leap years,
 * month lengths, era boundaries: 平成31年5月1日 and 昭和64年1月8日 do not exist). Range
 * is 1868-01-01 to 9999-12-31; whether a date may lie in the future is the caller's
 * decision, since this function has no clock. Never throws.
 *
 * @example
 * parseDate('H5.2.3'); // → { ok: true, value: '1993-02-03' }
 * parseDate('2023年2月29日'); // → { ok: false, code: 'DATE_IMPOSSIBLE', … }
 */
export function parseDate(s: string): ParseDateResult {
  // No valid date is longer than this; the guard keeps NFKC off megabyte-sized input.
  if (s.length > 64) return fail('DATE_FORMAT', 'Not a date.');
  const t = s.normalize('NFKC').replace(WHITESPACE, '');
  let m = SEPARATED.exec(t);
  if (m !== null) return checkGregorian(Number(m[1]), Number(m[3]), Number(m[4]));
  m = COMPACT.exec(t) ?? KANJI.exec(t);
  if (m !== null) return checkGregorian(Number(m[1]), Number(m[2]), Number(m[3]));
  m = ERA.exec(t);
  if (m !== null) {
    return parseEraDate(m[1]!, m[2]!, Number(m[3] ?? m[6]), Number(m[4] ?? m[7]));
  }
  return fail('DATE_FORMAT', 'Expected a date such as 1990-04-01, 1990年4月1日 or 平成2年4月1日.');
}
