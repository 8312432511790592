/**
 * Characters people type between digit groups: ASCII and Unicode hyphens and dashes, the
 * minus sign, the full-width hyphen-minus and the katakana long-vowel mark (ー), which
 * Japanese IMEs often produce instead of a hyphen. After NFKC most full-width forms are
 * already ASCII, but U+2010, U+2013, U+2014, U+2212 and U+30FC survive it.
 */
const SEPARATORS = /[\s\u3000\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\u30fc\uff70]/gu;

/**
 * Brings a typed number to plain ASCII digits: NFKC folds full-width digits (０–９) to
 * ASCII, then spaces (including the ideographic space U+3000) and hyphen-like separators
 * are removed. It does not validate: letters and other characters are kept so the
 * validator can report them.
 *
 * @example
 * normalizeDigits('６２１４ー９８３２－０２５７'); // → '621498320257'
 */
export function normalizeDigits(input: string): string {
  // The second NFKC keeps the function idempotent: removing a separator can bring a base
  // character next to a combining mark ('e-\u0301'), which NFKC would then compose.
  return input.normalize('NFKC').replace(SEPARATORS, '').normalize('NFKC');
}
