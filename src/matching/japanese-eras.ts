/** A Japanese era (元号) and the Gregorian day it began. */
export interface JapaneseEra {
  readonly name: string;
  /** Single-letter abbreviation used on forms and in IT systems (H5.2.3). */
  readonly letter: string;
  /** First day as ISO 'YYYY-MM-DD'; the era runs until the day before the next one. */
  readonly start: string;
}

/**
 * Modern eras, oldest first. Meiji's start is 明治元年1月1日 of the old lunisolar
 * calendar, i.e. 1868-01-25 Gregorian (the era was proclaimed in October 1868 and
 * applied retroactively). Japan switched to the Gregorian calendar on 明治6年1月1日
 * (1873-01-01); month and day of earlier Meiji dates are read as Gregorian here, which
 * is only approximate but no living resident was born before 1873.
 */
export const JAPANESE_ERAS: readonly JapaneseEra[] = [
  { name: '明治', letter: 'M', start: '1868-01-25' },
  { name: '大正', letter: 'T', start: '1912-07-30' },
  { name: '昭和', letter: 'S', start: '1926-12-25' },
  { name: '平成', letter: 'H', start: '1989-01-08' },
  { name: '令和', letter: 'R', start: '2019-05-01' },
];

/** Era by full name (明治), letter (M, m) or first kanji (明). */
export function findEra(token: string): { era: JapaneseEra; end: string | undefined } | undefined {
  const upper = token.toUpperCase();
  for (let i = 0; i < JAPANESE_ERAS.length; i++) {
    const era = JAPANESE_ERAS[i]!;
    if (era.name === token || era.letter === upper || era.name[0] === token) {
      return { era, end: JAPANESE_ERAS[i + 1]?.start };
    }
  }
  return undefined;
}
