import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { nameSearchKey, normalizeName } from './index.ts';

const sameKey = (a: string, b: string): void =>
  assert.equal(normalizeName(a), normalizeName(b), `${a} ≢ ${b}`);

describe('normalizeName: kanji variants', () => {
  const groups: readonly (readonly string[])[] = [
    ['髙橋', '高橋'],
    ['山﨑', '山崎', '山嵜'],
    ['渡邊', '渡邉', '渡辺'],
    ['齋藤', '齊藤', '斎藤', '斉藤'],
    ['濵田', '濱田', '浜田'],
    ['澤田', '沢田'],
    ['櫻井', '桜井'],
    ['廣瀬', '広瀬', '廣瀨'],
    ['國分', '国分'],
    ['中嶋', '中島', '中嶌'],
    ['冨田', '富田'],
    ['眞子', '真子'],
    ['惠子', '恵子'],
    ['德川', '徳川'],
    ['槇原', '槙原'],
    ['籠谷', '篭谷'],
    ['𠮷田', '吉田'],
  ];
  for (const group of groups) {
    it(`folds ${group.join(' / ')}`, () => {
      for (const name of group) sameKey(name, group[0]!);
    });
  }

  it('keeps distinct kanji apart', () => {
    assert.notEqual(normalizeName('高橋'), normalizeName('髙田'));
    assert.notEqual(normalizeName('埼玉'), normalizeName('崎玉'));
  });

  it('folds CJK compatibility ideographs through NFKC and drops variation selectors', () => {
    sameKey('\uFA10', '塚'); // 塚 U+FA10 → 塚 U+585A
    sameKey('辻\u{E0100}', '辻');
    sameKey('葛\u{E0101}西', '葛西');
  });
});

describe('normalizeName: width, spacing and separators', () => {
  it('removes half-width, full-width (U+3000) and other whitespace', () => {
    sameKey('山田　太郎', '山田太郎');
    sameKey(' 山田 \t太郎 ', '山田太郎');
    sameKey('山田\u00A0太郎', '山田太郎');
  });

  it('folds half-width katakana and full-width Latin', () => {
    assert.equal(normalizeName('ﾔﾏﾀﾞ ﾀﾛｳ'), 'ヤマダタロウ');
    assert.equal(normalizeName('ＳＭＩＴＨ　Ｊｏｈｎ'), 'SMITHJOHN');
  });

  it('removes middle dots, commas and double hyphens between name parts', () => {
    sameKey('ジョン・スミス', 'ジョンスミス');
    sameKey('ｼﾞｮﾝ･ｽﾐｽ', 'ジョンスミス');
    sameKey('ジョン＝スミス', 'ジョンスミス');
    sameKey('SMITH, JOHN', 'SMITHJOHN');
    sameKey('SMITH·JOHN', 'SMITHJOHN');
  });

  it('does not fold kana (hiragana and katakana stay different; that is the kana key)', () => {
    assert.notEqual(normalizeName('さくら'), normalizeName('サクラ'));
  });
});

describe('normalizeName: Latin script', () => {
  it('upper-cases and strips diacritics', () => {
    assert.equal(normalizeName('José García'), 'JOSEGARCIA');
    sameKey('José García', 'JOSE GARCIA');
    sameKey('Nguyễn Văn An', 'NGUYEN VAN AN');
    sameKey('Müller', 'MULLER');
    sameKey('Jose\u0301', 'JOSE'); // decomposed accent
  });

  it('folds letters that have no decomposition', () => {
    sameKey('Łukasz Øberg', 'LUKASZ OBERG');
    sameKey('Straße', 'STRASSE');
  });

  it('does not decompose kana: voiced kana survive', () => {
    assert.equal(normalizeName('ガ'), 'ガ');
    assert.equal(normalizeName('か\u3099'), 'が');
    assert.equal(normalizeName('ｶﾞ'), 'ガ');
  });
});

describe('nameSearchKey', () => {
  it('is normalizeName', () => {
    assert.equal(nameSearchKey('渡邊 健'), normalizeName('渡辺健'));
    assert.equal(nameSearchKey('José'), 'JOSE');
  });
});

const WHITESPACE = ['', ' ', '\u3000', '\t', '\u00A0', '  '];
const toFullWidth = (s: string): string =>
  s.replace(/[\x21-\x7E ]/g, (c) => (c === ' ' ? '\u3000' : String.fromCharCode(c.charCodeAt(0) + 0xfee0)));

describe('normalizeName: properties', () => {
  it('is idempotent and never throws on arbitrary code points', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const once = normalizeName(s);
        assert.equal(normalizeName(once), once);
      }),
      { numRuns: 3000 },
    );
  });

  it('is idempotent on arbitrary graphemes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => {
        const once = normalizeName(s);
        assert.equal(normalizeName(once), once);
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent on every Latin letter it has a table entry for', () => {
    for (let cp = 0xc0; cp <= 0x24f; cp++) {
      const once = normalizeName(String.fromCodePoint(cp));
      assert.equal(normalizeName(once), once, cp.toString(16));
    }
    for (let cp = 0x1e00; cp <= 0x1eff; cp++) {
      const once = normalizeName(String.fromCodePoint(cp));
      assert.equal(normalizeName(once), once, cp.toString(16));
    }
  });

  it('is invariant under inserting whitespace between graphemes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
            fc.constantFrom(...WHITESPACE),
          ),
          {
            maxLength: 12,
          },
        ),
        (parts) => {
          const plain = parts.map(([g]) => g).join('');
          const spaced = parts.map(([g, w]) => w + g).join('');
          assert.equal(normalizeName(spaced), normalizeName(plain));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is invariant under full-width ↔ ASCII width changes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 30 }), (s) => {
        assert.equal(normalizeName(toFullWidth(s)), normalizeName(s));
      }),
      { numRuns: 2000 },
    );
  });
});
