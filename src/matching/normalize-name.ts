import { KANJI_VARIANTS } from './kanji-variants.ts';
import { untilStable } from './until-stable.ts';

/**
 * Latin letters that have no Unicode decomposition, so stripping combining marks leaves
 * them alone; romanised names on passports and residence cards write them plainly.
 */
const LATIN_EXTRA: Readonly<Record<string, string>> = {
  Ø: 'O',
  Ł: 'L',
  Đ: 'D',
  Ħ: 'H',
  Ŧ: 'T',
  Æ: 'AE',
  Œ: 'OE',
  Þ: 'TH',
  ẞ: 'SS',
};

/** Combining marks used with Latin letters; kana voicing marks (U+3099/309A) are not here. */
function isLatinMark(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe20 && cp <= 0xfe2f)
  );
}

function latinKeyOf(ch: string): string {
  let key = '';
  for (const part of ch.normalize('NFD')) {
    if (!isLatinMark(part.codePointAt(0)!)) key += part;
  }
  key = key.toUpperCase();
  let folded = '';
  for (const part of key) {
    folded += isLatinMark(part.codePointAt(0)!) ? '' : (LATIN_EXTRA[part] ?? part);
  }
  return folded;
}

/**
 * Pre-computed keys for Latin-1 Supplement, Latin Extended-A/B and Latin Extended
 * Additional, so the hot path is one map lookup rather than an NFD call per letter.
 */
const LATIN_KEYS: ReadonlyMap<number, string> = (() => {
  const keys = new Map<number, string>();
  const ranges: readonly (readonly [number, number])[] = [
    [0x00c0, 0x024f],
    [0x1e00, 0x1eff],
  ];
  for (const [from, to] of ranges) {
    for (let cp = from; cp <= to; cp++) keys.set(cp, latinKeyOf(String.fromCodePoint(cp)));
  }
  return keys;
})();

/**
 * Separators between name parts that carry no identity: whitespace (NFKC has already
 * turned U+3000 into U+0020), the katakana middle dot ・ and its relatives used in
 * foreign names (ジョン・スミス), the double hyphen ゠ and '=' (ジョン＝スミス), and
 * commas ('GARCIA, JOSE', 、).
 */
function isSeparator(cp: number): boolean {
  return (
    cp === 0x20 ||
    (cp >= 0x09 && cp <= 0x0d) ||
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200d) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x2060 ||
    cp === 0x3000 ||
    cp === 0xfeff ||
    cp === 0x2c || // ,
    cp === 0x3d || // =
    cp === 0xb7 || // ·
    cp === 0x2027 || // ‧
    cp === 0x2022 || // •
    cp === 0x3001 || // 、
    cp === 0x30a0 || // ゠
    cp === 0x30fb // ・
  );
}

/** Variation selectors pick a glyph (e.g. the one-dot 辻), never a different person. */
function isVariationSelector(cp: number): boolean {
  return (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
}

function namePass(input: string): string {
  const s = input.normalize('NFKC');
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x61 && c <= 0x7a) out += String.fromCharCode(c - 0x20);
      else if (!isSeparator(c)) out += s[i];
      continue;
    }
    const cp = s.codePointAt(i)!;
    const ch = cp > 0xffff ? s.slice(i, i + 2) : s[i]!;
    if (cp > 0xffff) i++;
    if (isSeparator(cp) || isVariationSelector(cp) || isLatinMark(cp)) continue;
    out += LATIN_KEYS.get(cp) ?? KANJI_VARIANTS.get(ch) ?? ch;
  }
  return out;
}

/**
 * Search and matching key for a resident's name in kanji, kana or Latin script.
 *
 * NFKC (full-width ↔ half-width), all whitespace and separator punctuation removed,
 * variation selectors removed, kanji variants folded (see kanji-variants.ts), Latin
 * letters upper-cased with diacritics stripped. Kana are left as kana: the reading has
 * its own key, {@link normalizeKana}. The key is for comparison only — never store or
 * display it in place of the name.
 *
 * @example
 * normalizeName('髙橋　一郎'); // → '高橋一郎'
 * normalizeName('José García'); // → 'JOSEGARCIA'
 */
export function normalizeName(s: string): string {
  return untilStable(namePass, s);
}

/**
 * Key under which names are indexed for search; the same function as
 * {@link normalizeName}, named for the index so callers state their intent.
 *
 * @example
 * nameSearchKey('渡邊 健') === nameSearchKey('渡辺健'); // → true
 */
export function nameSearchKey(name: string): string {
  return normalizeName(name);
}
