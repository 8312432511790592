import { kanjiNumeralToArabic, KANJI_NUMERAL_CHARS as N } from './kanji-numerals.ts';
import { scanCharacters } from './scan-address-characters.ts';
import { untilStable } from './until-stable.ts';

// Every pattern is compiled once here: the key is computed for each record in bulk
// matching, so a call must stay within a few microseconds.

/**
 * 大字/小字/字 are land-division labels that some documents print and others omit
 * (〇〇町大字△△字□□ vs 〇〇町△△□□). Every 字 is dropped, not only a leading one: a
 * place whose name contains 字 loses it on both sides alike, which keeps keys equal.
 * Removed before the character scan, so the scan sees the final neighbours of every
 * space and ー (0ー字0 must give the same key as 0ー0).
 */
const AZA = /(?:[大小](?:[\s\u200B-\u200D\u2060\uFEFF]|[\uFE00-\uFE0F]|[\u{E0100}-\u{E01EF}])*)?字/gu;
/**
 * The linking particle in place names is written ケ, ヶ, ヵ, が or ガ (霞が関, 霞ヶ関, 霞ケ関;
 * 自由が丘, 自由ヶ丘) and ノ or の (一ノ関, 一の関); only between two kanji is it that particle.
 */
const KE_BETWEEN_KANJI = /[ヶケヵがガ](?<=\p{Script=Han}.)(?=\p{Script=Han})/gu;
const NO_BETWEEN_KANJI = /ノ(?<=\p{Script=Han}.)(?=\p{Script=Han})/gu;
const KANJI_NUMERAL_RUN = new RegExp(`[${N}]+`, 'g');
/**
 * Block markers after a number become '-': 丁目, 丁 before a number, 番地, 番 (except in the
 * place names 〇番町/〇番丁 and building names 〇番館), and 号 when a room number follows.
 */
const BLOCK_MARKER = /(\d)(?:丁目|丁(?=\d)|番地|番(?![町丁館])|号(?=\d))/g;
/** 3番地の1, 123の4: の between numbers is a sub-number separator. */
const NO_BETWEEN_NUMBERS = /(\d)-?の(?=\d)/g;
/** A final 号 adds nothing (2番3号 = 2-3); 号室/号棟/号館 are part of the building. */
const TRAILING_GO = /(\d)号(?![室棟館])/g;
const DASH_RUN = /-{2,}/g;
/** '1丁目' → '1-' → '1'; a dash after a number not followed by another number is noise. */
const DANGLING_DASH = /(\d)-(?!\d)/g;

/**
 * The block clean-up runs last and can give a kanji numeral or ー a new neighbour
 * ('0番の二' → '0の二', '0号ー0' → '0ー0') that would have changed the decision about
 * it. Such output — a kanji numeral or ー next to a digit, '-' or の — gets another pass
 * so the key is idempotent; ordinary addresses never look like this.
 */
const CONTEXT_CHANGED = new RegExp(`[0-9\\-の][${N}ー]|[${N}ー][0-9\\-の]`);

function isNumberChar(c: string | undefined): boolean {
  return c !== undefined && ((c >= '0' && c <= '9') || N.includes(c));
}

/**
 * A kanji numeral run is a number — not part of a place name like 三鷹, 八王子, 千代田,
 * 四日市 or 八丁堀 — when a block marker follows it, or it stands in a block position
 * (after another number, a dash, 丁目, 番(地) or 号), or it ends the address.
 */
function numeralInBlockPosition(run: string, offset: number, whole: string): boolean {
  const next = whole[offset + run.length];
  const next2 = whole[offset + run.length + 1];
  const prev = whole[offset - 1];
  const prev2 = whole[offset - 2];
  return (
    next === undefined ||
    next === '-' ||
    next === '号' ||
    (next === '丁' && (next2 === '目' || isNumberChar(next2))) ||
    (next === '番' && next2 !== '町' && next2 !== '丁' && next2 !== '館') ||
    (next === 'の' && isNumberChar(next2)) ||
    prev === '-' ||
    (prev !== undefined && prev >= '0' && prev <= '9') ||
    prev === '番' ||
    prev === '号' ||
    (prev === '目' && prev2 === '丁') ||
    (prev === '地' && prev2 === '番') ||
    (prev === 'の' && isNumberChar(prev2))
  );
}

function replaceNumeral(run: string, offset: number, whole: string): string {
  return numeralInBlockPosition(run, offset, whole) ? kanjiNumeralToArabic(run) : run;
}

/** Whether another block clean-up round could still change the key (rare: 1-号 → 1号 → 1). */
const BLOCK_UNSETTLED = /\d(?:丁目|丁\d|番(?![町丁館])|号(?![室棟館])|-?の\d|-(?!\d))|--/;

function normalizeBlocks(input: string): string {
  let s = input;
  for (let round = 0; round < 4; round++) {
    s = s
      .replace(BLOCK_MARKER, '$1-')
      .replace(NO_BETWEEN_NUMBERS, '$1-')
      .replace(TRAILING_GO, '$1')
      .replace(DASH_RUN, '-')
      .replace(DANGLING_DASH, '$1');
    if (!BLOCK_UNSETTLED.test(s)) break;
  }
  return s;
}

function addressPass(input: string): string {
  let s = input.normalize('NFKC');
  if (s.includes('字')) s = s.replace(AZA, '');
  s = scanCharacters(s);
  s = s.replace(KE_BETWEEN_KANJI, 'ケ');
  if (s.includes('ノ')) s = s.replace(NO_BETWEEN_KANJI, 'の');
  s = s.replace(KANJI_NUMERAL_RUN, replaceNumeral);
  return normalizeBlocks(s);
}

/**
 * Matching key for a Japanese address. The same address is written many ways: full- or
 * half-width, 1丁目2番3号 / 1丁目2番地3 / 一丁目2-3 / 1-2-3, any of a dozen dash
 * characters, 霞が関 / 霞ヶ関, with or without 大字/字, old or new kanji. This folds them
 * to one form; building and room text after the block numbers is kept (normalised the
 * same way). It does not resolve omitted prefectures or cities, postal codes, or
 * address changes from municipal mergers — those need a reference table.
 *
 * @example
 * normalizeAddress('東京都千代田区霞が関一丁目２番３号'); // → '東京都千代田区霞ケ関1-2-3'
 * normalizeAddress('東京都千代田区霞ヶ関1-2-3'); // → '東京都千代田区霞ケ関1-2-3'
 */
export function normalizeAddress(s: string): string {
  return untilStable(addressPass, s, CONTEXT_CHANGED);
}
