import type { SyntheticResident } from './types.ts';

/** The register's CSV columns, in order (the header Myna's importer reads). */
export const RESIDENT_CSV_HEADER =
  'local_id,municipality_code,family_name,given_name,family_name_kana,given_name_kana,birth_date,sex,postal_code,address,nationality,residence_status,household_id,relationship,moved_in_date';

const NEEDS_QUOTES = /[",\r\n]/;

/** One field per RFC 4180: quoted only when it holds a comma, quote or line break. */
function field(value: string | undefined): string {
  if (value === undefined) return '';
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Writes residents as CSV, one line per yield, each ending in '\n': first the header,
 * then one row per resident. Absent optional items are empty fields. Lazy, so a million
 * residents can be streamed to a file.
 *
 * @example
 * for (const line of residentsToCsv(generateTown(options))) stream.write(line);
 */
export function* residentsToCsv(residents: Iterable<SyntheticResident>): Generator<string> {
  yield `${RESIDENT_CSV_HEADER}\n`;
  for (const r of residents) {
    yield `${field(r.localId)},${field(r.municipalityCode)},${field(r.familyName)},${field(r.givenName)},${field(
      r.familyNameKana,
    )},${field(r.givenNameKana)},${field(r.birthDate)},${field(r.sex)},${field(r.postalCode)},${field(
      r.address,
    )},${field(r.nationality)},${field(r.residenceStatus)},${field(r.householdId)},${field(
      r.relationship,
    )},${field(r.movedInDate)}\n`;
  }
}
