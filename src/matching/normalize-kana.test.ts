import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isKana, normalizeKana } from './index.ts';

const sameKey = (a: string, b: string): void =>
  assert.equal(normalizeKana(a), normalizeKana(b), `${a} ≢ ${b}`);

describe('normalizeKana: folds', () => {
  it('turns half-width katakana into full-width, composing voiced marks', () => {
    assert.equal(normalizeKana('ﾔﾏﾀﾞ'), 'ヤマダ');
    assert.equal(normalizeKana('ﾎﾟﾁ'), 'ポチ');
  });

  it('turns hiragana into katakana', () => {
    assert.equal(normalizeKana('やまだ'), 'ヤマダ');
    sameKey('さくら', 'サクラ');
  });

  it('removes half- and full-width spaces', () => {
    assert.equal(normalizeKana('ヤマダ　タロウ'), 'ヤマダタロウ');
    assert.equal(normalizeKana(' ヤマダ タロウ '), 'ヤマダタロウ');
  });

  it('folds small kana to large', () => {
    assert.equal(normalizeKana('ァィゥェォ'), 'アイウエオ');
    assert.equal(normalizeKana('ッャュョヮヵヶ'), 'ツヤユヨワカケ');
    assert.equal(normalizeKana('ぁっゃゎゕゖ'), 'アツヤワカケ');
    assert.equal(normalizeKana('ㇰㇱㇳㇷ'), 'クシトフ');
    sameKey('キョウコ', 'キヨウコ');
    sameKey('ハットリ', 'ハツトリ');
  });

  it('folds ヴ → ブ, ヴァ/ヴィ/ヴェ/ヴォ → バ/ビ/ベ/ボ and ヷヸヹヺ → バビベボ', () => {
    sameKey('ヴィクトル', 'ビクトル');
    sameKey('ゔぃくとる', 'ビクトル');
    assert.equal(normalizeKana('ヴァヴィヴェヴォヴ'), 'バビベボブ');
    assert.equal(normalizeKana('ｳﾞｪﾙﾃﾞｨ'), 'ベルデイ');
    assert.equal(normalizeKana('ヷヸヹヺ'), 'バビベボ');
  });

  it('folds ヂ → ジ, ヅ → ズ, ヲ → オ, ヰ → イ, ヱ → エ', () => {
    sameKey('ちぢみ', 'チジミ');
    sameKey('ミカヅキ', 'ミカズキ');
    assert.equal(normalizeKana('ヲヰヱ'), 'オイエ');
  });

  it('drops the long-vowel mark (full- and half-width)', () => {
    assert.equal(normalizeKana('ジョーンズ'), normalizeKana('ジョンズ'));
    assert.equal(normalizeKana('ｼﾞｮｰﾝｽﾞ'), 'ジヨンズ');
  });

  it('attaches spacing voicing marks and drops marks that cannot attach', () => {
    assert.equal(normalizeKana('か゛'), 'ガ');
    assert.equal(normalizeKana('は゜'), 'パ');
    assert.equal(normalizeKana('ア゛'), 'ア');
    assert.equal(normalizeKana('ｱﾞ'), 'ア');
    assert.equal(normalizeKana('゛'), '');
  });

  it('expands iteration marks', () => {
    assert.equal(normalizeKana('みすゞ'), 'ミスズ');
    assert.equal(normalizeKana('いすゝ'), 'イスス');
    assert.equal(normalizeKana('ゝ'), '');
  });

  it('drops separators in foreign names', () => {
    sameKey('ジョン・スミス', 'ジョン スミス');
    sameKey('ジョン＝スミス', 'ジョンスミス');
  });

  it('keeps real differences: voicing is significant', () => {
    assert.notEqual(normalizeKana('カキ'), normalizeKana('カギ'));
    assert.notEqual(normalizeKana('ハル'), normalizeKana('パル'));
  });
});

describe('isKana', () => {
  it('accepts hiragana, katakana, half-width katakana, ー, ・ and spaces', () => {
    for (const s of [
      'やまだ たろう',
      'ヤマダ　タロウ',
      'ﾔﾏﾀﾞ ﾀﾛｳ',
      'ジョーンズ',
      'ジョン・スミス',
      ' さとう ',
      'みすゞ',
      'ヴ',
    ])
      assert.equal(isKana(s), true, s);
  });

  it('rejects kanji, Latin, digits, punctuation, empty and blank input', () => {
    for (const s of ['山田', 'YAMADA', 'ヤマダ1', 'ヤマダ。', '', '　', 'ヤマダ\nタロウ', 'ヤマダ-タロウ'])
      assert.equal(isKana(s), false, JSON.stringify(s));
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => typeof isKana(s) === 'boolean'));
  });
});

const KANA_ALPHABET = [
  ...'あかがぱっゃゔゝゞアカガパッャヴヽヾｶﾞﾊﾟｰーｧ゛゜・＝ 　',
  '\u3099',
  '\u309A',
  'ゟ',
  'ヿ',
  '\u0301',
  'e',
];

describe('normalizeKana: properties', () => {
  it('is idempotent and never throws on arbitrary code points', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const once = normalizeKana(s);
        assert.equal(normalizeKana(once), once);
      }),
      { numRuns: 3000 },
    );
  });

  it('is idempotent on kana-heavy strings with stray marks and separators', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...KANA_ALPHABET), { maxLength: 20 }), (chars) => {
        const once = normalizeKana(chars.join(''));
        assert.equal(normalizeKana(once), once);
      }),
      { numRuns: 5000 },
    );
  });

  it('maps hiragana and katakana spellings of a reading to the same key', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0x3041, max: 0x3096 }), { maxLength: 15 }), (codes) => {
        const hiragana = String.fromCharCode(...codes);
        const katakana = String.fromCharCode(...codes.map((c) => c + 0x60));
        assert.equal(normalizeKana(hiragana), normalizeKana(katakana));
      }),
    );
  });
});
