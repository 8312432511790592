import { untilStable } from './until-stable.ts';

/**
 * Katakana folds for the reading key. Readings of the same name are written
 * inconsistently across forms, systems and decades; each fold removes one distinction
 * that people (and old systems) do not keep reliably:
 * - small kana → large (ァィゥェォ ッ ャュョ ヮ ヵヶ, and the small ㇰ–ㇿ of Ainu/legacy
 *   text): many legacy systems, bank and insurer ones among them, cannot store small
 *   kana and write キヨウコ for キョウコ and ハツトリ for ハットリ.
 * - ヴ → ブ, and ヴァ ヴィ ヴェ ヴォ → バ ビ ベ ボ, ヷヸヹヺ → バビベボ: foreign names are
 *   written both ways (ヴィクトル/ビクトル, ヴェトナム/ベトナム). The digraphs are folded
 *   as a whole first, since ヴィ → ブイ would not meet ビ.
 * - ヂ → ジ, ヅ → ズ: the same sounds in modern Japanese; 現代仮名遣い uses ジ/ズ except in
 *   compounds, so the choice varies by writer.
 * - ヲ → オ, ヰ → イ, ヱ → エ: the same sounds; historical kana survive in some older names.
 */
const KATAKANA_FOLD: ReadonlyMap<string, string> = new Map<string, string>([
  ['ァ', 'ア'],
  ['ィ', 'イ'],
  ['ゥ', 'ウ'],
  ['ェ', 'エ'],
  ['ォ', 'オ'],
  ['ッ', 'ツ'],
  ['ャ', 'ヤ'],
  ['ュ', 'ユ'],
  ['ョ', 'ヨ'],
  ['ヮ', 'ワ'],
  ['ヵ', 'カ'],
  ['ヶ', 'ケ'],
  ['ヴ', 'ブ'],
  ['ヷ', 'バ'],
  ['ヸ', 'ビ'],
  ['ヹ', 'ベ'],
  ['ヺ', 'ボ'],
  ['ヂ', 'ジ'],
  ['ヅ', 'ズ'],
  ['ヲ', 'オ'],
  ['ヰ', 'イ'],
  ['ヱ', 'エ'],
  ['ㇰ', 'ク'],
  ['ㇱ', 'シ'],
  ['ㇲ', 'ス'],
  ['ㇳ', 'ト'],
  ['ㇴ', 'ヌ'],
  ['ㇵ', 'ハ'],
  ['ㇶ', 'ヒ'],
  ['ㇷ', 'フ'],
  ['ㇸ', 'ヘ'],
  ['ㇹ', 'ホ'],
  ['ㇺ', 'ム'],
  ['ㇻ', 'ラ'],
  ['ㇼ', 'リ'],
  ['ㇽ', 'ル'],
  ['ㇾ', 'レ'],
  ['ㇿ', 'ロ'],
]);

/** Vowel that follows ヴ in a digraph (katakana or hiragana small form) → the バ-row kana. */
const VU_DIGRAPH: ReadonlyMap<number, string> = new Map([
  [0x30a1, 'バ'],
  [0x30a3, 'ビ'],
  [0x30a7, 'ベ'],
  [0x30a9, 'ボ'],
  [0x3041, 'バ'],
  [0x3043, 'ビ'],
  [0x3047, 'ベ'],
  [0x3049, 'ボ'],
]);

/** Unvoiced katakana whose voiced form is the next code point (カ→ガ … ホ→ボ). */
const VOICEABLE = new Set('カキクケコサシスセソタチツテトハヒフヘホ');

function foldKatakana(ch: string): string {
  return KATAKANA_FOLD.get(ch) ?? ch;
}

/**
 * Characters with no part in a reading: whitespace, the long-vowel mark ー (written or
 * left out inconsistently in foreign names and by legacy systems: ジョーンズ/ジョンズ,
 * ユーコ/ユコ in some bank data, so a key without it finds both),
 * separators in foreign names (・ ゠ =), and voicing marks left over after NFKC could not
 * attach them to a kana (e.g. ア゛): a stray mark is noise, not a sound.
 */
function isDropped(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x85 ||
    c === 0xa0 ||
    (c >= 0x2000 && c <= 0x200d) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x2060 ||
    c === 0x3000 ||
    c === 0xfeff ||
    c === 0x3d ||
    c === 0x30fc ||
    c === 0x30fb ||
    c === 0x30a0 ||
    (c >= 0x3099 && c <= 0x309c)
  );
}

/** Spacing voicing marks (゛゜) become combining ones so NFKC attaches them: か゛ → ガ. */
const SPACING_VOICE_MARKS = /[\u309B\u309C]/g;

function kanaPass(input: string): string {
  const pre =
    input.includes('\u309B') || input.includes('\u309C')
      ? input.replace(SPACING_VOICE_MARKS, (m) => (m === '\u309B' ? '\u3099' : '\u309A'))
      : input;
  const s = pre.normalize('NFKC');
  let out = '';
  let last = '';
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (isDropped(c)) continue;
    // Hiragana → katakana is a fixed offset of 0x60 (ぁ U+3041 → ァ U+30A1 … ゖ → ヶ,
    // ゝゞ → ヽヾ); a reading is the same whichever script the form used.
    if ((c >= 0x3041 && c <= 0x3096) || c === 0x309d || c === 0x309e) c += 0x60;
    let ch: string;
    const digraph = c === 0x30f4 ? VU_DIGRAPH.get(s.charCodeAt(i + 1)) : undefined;
    if (digraph !== undefined) {
      ch = digraph;
      i++;
    } else if (c === 0x30fd || c === 0x30fe) {
      // Iteration marks repeat the previous kana (みすゞ = みすず); ヾ repeats it voiced.
      if (last === '') continue;
      ch = c === 0x30fe && VOICEABLE.has(last) ? String.fromCharCode(last.charCodeAt(0) + 1) : last;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      ch = s.slice(i, i + 2);
      i++;
    } else {
      ch = String.fromCharCode(c);
    }
    ch = foldKatakana(ch);
    out += ch;
    last = ch;
  }
  return out;
}

/**
 * Reading (フリガナ) key: NFKC (half-width ｶﾅ → カナ, ｶﾞ → ガ), hiragana → katakana,
 * whitespace, ー and stray voicing marks dropped, small kana and obsolete or
 * interchangeable kana folded (see the table above for each fold and why).
 *
 * @example
 * normalizeKana('さいとう　きょうこ'); // → 'サイトウキヨウコ'
 * normalizeKana('ｻｲﾄｳ ｷｮｳｺ'); // → 'サイトウキヨウコ'
 */
export function normalizeKana(s: string): string {
  return untilStable(kanaPass, s);
}

/**
 * Hiragana, katakana (with small and phonetic-extension forms), voicing and iteration
 * marks, ー, the middle dot ・ used between the parts of foreign names, and spaces.
 */
const KANA_ONLY = /^[\u3041-\u3096\u3099-\u309F\u30A1-\u30FF\u31F0-\u31FF ]+$/u;

/**
 * Whether a reading field holds kana only (after NFKC and trimming), so half-width
 * katakana and full-width spaces pass. The middle dot ・ is accepted because readings of
 * foreign names use it between given and family name.
 *
 * @example
 * isKana('ヤマダ　タロウ'); // → true
 * isKana('山田'); // → false
 */
export function isKana(s: string): boolean {
  return KANA_ONLY.test(s.normalize('NFKC').trim());
}
