import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { kanjiNumeralToArabic } from './kanji-numerals.ts';

/** Positional kanji numeral for 1..9999, written independently of the parser. */
function toKanji(n: number): string {
  const digits = '〇一二三四五六七八九';
  let out = '';
  for (const [unit, ch] of [
    [1000, '千'],
    [100, '百'],
    [10, '十'],
  ] as const) {
    const q = Math.floor(n / unit) % 10;
    if (q > 0) out += (q === 1 ? '' : digits[q]) + ch;
  }
  return out + (n % 10 > 0 ? digits[n % 10] : '');
}

describe('kanjiNumeralToArabic', () => {
  it('reads positional numerals', () => {
    assert.equal(kanjiNumeralToArabic('二十三'), '23');
    assert.equal(kanjiNumeralToArabic('十'), '10');
    assert.equal(kanjiNumeralToArabic('百五'), '105');
    assert.equal(kanjiNumeralToArabic('二千二十三'), '2023');
    assert.equal(kanjiNumeralToArabic('参拾'), '30');
  });

  it('reads digit-by-digit numerals', () => {
    assert.equal(kanjiNumeralToArabic('一〇一'), '101');
    assert.equal(kanjiNumeralToArabic('二三'), '23');
    assert.equal(kanjiNumeralToArabic('〇'), '0');
  });

  it('round-trips every positional numeral from 1 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), (n) => {
        assert.equal(kanjiNumeralToArabic(toKanji(n)), String(n));
      }),
    );
  });
});
