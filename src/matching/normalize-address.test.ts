import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { normalizeAddress } from './index.ts';

const key = normalizeAddress;
const sameKey = (a: string, b: string): void => assert.equal(key(a), key(b), `${a} ≢ ${b}`);

describe('normalizeAddress: block numbers', () => {
  it('writes 丁目/番/番地/号 notations and hyphens the same way', () => {
    for (const s of ['1丁目2番3号', '1丁目2番地3', '一丁目2-3', '1-2-3', '一丁目二番三号', '1丁目2-3'])
      assert.equal(key(s), '1-2-3', s);
  });

  it('removes a trailing 号 or 番地', () => {
    assert.equal(key('中町5番地'), '中町5');
    assert.equal(key('中町2番3号'), '中町2-3');
    assert.equal(key('中町3丁目'), '中町3');
  });

  it('reads の between numbers as a sub-number', () => {
    assert.equal(key('北123番地の4'), '北123-4');
    assert.equal(key('北123の4'), '北123-4');
  });

  it('keeps building and room text, separated from the block numbers', () => {
    assert.equal(key('1丁目2番3号 メゾン霞101号室'), '1-2-3メゾン霞101号室');
    assert.equal(key('1-2-3 101'), '1-2-3-101');
    sameKey('1丁目2番3号　101', '1-2-3-101');
    assert.notEqual(key('1-2-3 101'), key('1-2-3101'));
  });
});

describe('normalizeAddress: kanji numerals', () => {
  it('converts numerals in block positions, positional and digit by digit', () => {
    assert.equal(key('二十三番地'), '23');
    assert.equal(key('百五番地'), '105');
    assert.equal(key('三丁目十番一号'), '3-10-1');
    assert.equal(key('1-2-一〇一'), '1-2-101');
    assert.equal(key('十丁目'), '10');
  });

  it('leaves numerals that belong to place names', () => {
    assert.equal(key('三鷹市'), '三鷹市');
    assert.equal(key('八王子市'), '八王子市');
    assert.equal(key('千代田区'), '千代田区');
    assert.equal(key('四日市市'), '四日市市');
    assert.equal(key('中央区八丁堀二丁目'), '中央区八丁堀2');
    assert.equal(key('千代田区三番町6-2'), '千代田区三番町6-2');
    assert.equal(key('港区六本木六丁目10番1号'), '港区六本木6-10-1');
  });
});

describe('normalizeAddress: characters', () => {
  it('unifies every dash-like character', () => {
    for (const dash of ['-', '‐', '‑', '‒', '–', '—', '―', '−', '－', '﹣', '─'])
      assert.equal(key(`1${dash}2${dash}3`), '1-2-3', `U+${dash.codePointAt(0)!.toString(16)}`);
  });

  it('reads ー and ｰ between numbers as a dash, and keeps ー in words', () => {
    assert.equal(key('1ー2ー3'), '1-2-3');
    assert.equal(key('1ｰ2ｰ3'), '1-2-3');
    assert.equal(key('センター1-2'), 'センター1-2');
  });

  it('folds full-width digits and Latin letters; Latin is upper-cased', () => {
    sameKey('１－２－３', '1-2-3');
    sameKey('ＡＢＣハイツ', 'abcハイツ');
  });

  it('folds the place-name particle ケ/ヶ/ヵ/が/ガ between kanji', () => {
    for (const s of ['霞が関', '霞ヶ関', '霞ケ関', '霞ヵ関', '霞ガ関']) assert.equal(key(s), '霞ケ関', s);
    sameKey('自由が丘', '自由ヶ丘');
    sameKey('龍ケ崎市', '竜ヶ崎市');
    assert.equal(key('ヶ丘'), 'ヶ丘'); // not between two kanji: left alone
  });

  it('folds ノ/の between kanji', () => {
    sameKey('一ノ関', '一の関');
  });

  it('applies the kanji variant fold', () => {
    sameKey('髙田馬場', '高田馬場');
    sameKey('渡邊町', '渡辺町');
    sameKey('長﨑市', '長崎市');
  });

  it('drops 大字, 小字 and 字', () => {
    sameKey('府中市大字上石原字北123番地', '府中市上石原北123');
    sameKey('村大字南小字東5', '村南東5');
  });

  it('removes whitespace, zero-width characters and variation selectors', () => {
    sameKey(' 東京都　千代田区 ', '東京都千代田区');
    sameKey('葛\u{E0100}飾区', '葛飾区');
    sameKey('千代田\u200B区', '千代田区');
  });
});

const ADDRESS_ALPHABET = [
  ...'0129一二十〇千丁目番地号の-ー 　字大小霞がヶケ関室町館ノ﨑ｰ－ＡaかⅠ',
  '\u3099',
  '\u0301',
  '\u{E0100}',
];

describe('normalizeAddress: properties', () => {
  it('is idempotent and never throws on arbitrary code points', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const once = key(s);
        assert.equal(key(once), once);
      }),
      { numRuns: 3000 },
    );
  });

  it('is idempotent on strings made of address notation', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ADDRESS_ALPHABET), { maxLength: 24 }), (chars) => {
        const once = key(chars.join(''));
        assert.equal(key(once), once, JSON.stringify(chars.join('')));
      }),
      { numRuns: 20000 },
    );
  });

  it('maps N丁目M番K号 and N-M-K to the same key for any numbers', () => {
    const n = fc.integer({ min: 1, max: 999 });
    fc.assert(
      fc.property(n, n, n, (a, b, c) => {
        assert.equal(key(`${a}丁目${b}番${c}号`), `${a}-${b}-${c}`);
        assert.equal(key(`${a}丁目${b}番地${c}`), `${a}-${b}-${c}`);
      }),
    );
  });
});
