import { KANJI_NUMERAL_CHARS } from './kanji-numerals.ts';
import { KANJI_VARIANTS } from './kanji-variants.ts';

const NUMERAL_CODES: ReadonlySet<number> = new Set(Array.from(KANJI_NUMERAL_CHARS, (c) => c.charCodeAt(0)));

function isNumberCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || NUMERAL_CODES.has(c);
}

function isWhitespace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Zero-width characters and variation selectors (a VS picks a glyph, not a place). */
function invisibleWidth(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if ((c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff || (c >= 0xfe00 && c <= 0xfe0f)) return 1;
  if (c === 0xdb40) {
    const low = s.charCodeAt(i + 1);
    if (low >= 0xdd00 && low <= 0xddef) return 2; // U+E0100–U+E01EF
  }
  return 0;
}

/** Dash-like characters that survive NFKC: ‐ ‑ ‒ – — ― ⁃ − ─ ━ ˗ and small/full-width forms. */
function isDash(c: number): boolean {
  return (
    (c >= 0x2010 && c <= 0x2015) ||
    c === 0x2212 ||
    c === 0x2043 ||
    c === 0x02d7 ||
    c === 0x2500 ||
    c === 0x2501 ||
    c === 0xfe58 ||
    c === 0xfe63 ||
    c === 0xff0d
  );
}

function isNumberOrDash(c: number): boolean {
  return isNumberCode(c) || isDash(c) || c === 0x2d;
}

/** The next character that is neither whitespace nor invisible, as a code unit (NaN at the end). */
function nextVisible(s: string, from: number): number {
  let j = from;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    const w = invisibleWidth(s, j);
    if (w > 0) j += w;
    else if (isWhitespace(c)) j++;
    else return c;
  }
  return Number.NaN;
}

/**
 * Character-level part of the address key, in one loop over an NFKC string:
 * - whitespace is removed, except that a space between two numbers becomes '-'
 *   ('1-2-3 101' is block 3, room 101, not block 3101);
 * - zero-width characters and variation selectors are removed;
 * - every dash-like character becomes '-', and so does ー between two numbers (IMEs
 *   produce ー, or half-width ｰ which NFKC turns into ー, when people type a hyphen) or
 *   between a number and a dash (1-ー2 is a doubled hyphen, not a long vowel);
 * - kanji variants are folded (kanji-variants.ts) and ASCII letters upper-cased.
 */
export function scanCharacters(s: string): string {
  let out = '';
  let lastWasNumber = false;
  let lastWasDash = false;
  let pendingSpace = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const invisible = invisibleWidth(s, i);
    if (invisible > 0) {
      i += invisible - 1;
      continue;
    }
    if (isWhitespace(c)) {
      pendingSpace = true;
      continue;
    }
    const isNumber = isNumberCode(c);
    if (pendingSpace && lastWasNumber && isNumber) out += '-';
    pendingSpace = false;
    if (
      isDash(c) ||
      c === 0x2d ||
      (c === 0x30fc && (lastWasNumber || lastWasDash) && isNumberOrDash(nextVisible(s, i + 1)))
    ) {
      out += '-';
      lastWasNumber = false;
      lastWasDash = true;
      continue;
    }
    lastWasNumber = isNumber;
    lastWasDash = false;
    if (c >= 0x61 && c <= 0x7a) {
      out += String.fromCharCode(c - 0x20);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const pair = s.slice(i, i + 2);
      out += KANJI_VARIANTS.get(pair) ?? pair;
      i++;
    } else {
      const ch = s[i]!;
      out += KANJI_VARIANTS.get(ch) ?? ch;
    }
  }
  return out;
}
