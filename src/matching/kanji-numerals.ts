/** Kanji digits, including 〇 and the legal forms 壱弐参 used in deeds and old registers. */
const DIGITS: Readonly<Record<string, number>> = {
  〇: 0,
  零: 0,
  一: 1,
  壱: 1,
  二: 2,
  弐: 2,
  三: 3,
  参: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};

const UNITS: Readonly<Record<string, number>> = { 十: 10, 拾: 10, 百: 100, 千: 1000 };

/** Every character that can be part of a kanji numeral, for building regexes. */
export const KANJI_NUMERAL_CHARS = '〇零一壱二弐三参四五六七八九十拾百千';

/**
 * Value of a run of kanji numeral characters as an arabic digit string. Two notations
 * occur in addresses: positional with units (二十三 = 23, 百五 = 105) and digit by digit
 * (一〇一 = 101, common for room numbers). A run without unit characters is read digit
 * by digit; otherwise units multiply the digit before them (or 1: 十 = 10).
 *
 * @example
 * kanjiNumeralToArabic('二千二十三'); // → '2023'
 * kanjiNumeralToArabic('一〇一'); // → '101'
 */
export function kanjiNumeralToArabic(run: string): string {
  let hasUnit = false;
  for (const ch of run) if (UNITS[ch] !== undefined) hasUnit = true;
  if (!hasUnit) {
    let out = '';
    for (const ch of run) out += String(DIGITS[ch] ?? '');
    return out;
  }
  let total = 0;
  let pending = -1;
  for (const ch of run) {
    const unit = UNITS[ch];
    if (unit === undefined) {
      // Two digits in a row inside a positional numeral (二三十) are read as one number.
      pending = (pending < 0 ? 0 : pending * 10) + (DIGITS[ch] ?? 0);
    } else {
      total += (pending < 0 ? 1 : pending) * unit;
      pending = -1;
    }
  }
  return String(total + Math.max(pending, 0));
}
