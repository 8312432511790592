import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildDayTable, dayNumber, dayText } from './day-table.ts';
import { FAMILY_NAMES } from './family-names.ts';
import { FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, namesByYear } from './given-names.ts';
import { createRng } from './prng.ts';
import { weightedPicker } from './weighted.ts';

describe('createRng', () => {
  it('repeats for a seed and stays within the asked range', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: 0, max: 100 }),
        (seed, lo, span) => {
          const a = createRng(seed);
          const b = createRng(seed);
          for (let i = 0; i < 50; i++) {
            const x = a.range(lo, lo + span);
            assert.equal(x, b.range(lo, lo + span));
            assert.ok(Number.isInteger(x) && x >= lo && x <= lo + span);
          }
        },
      ),
    );
  });

  it('is roughly uniform', () => {
    const rng = createRng(1);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[rng.int(10)]!++;
    for (const c of counts) assert.ok(c > 9_500 && c < 10_500, String(c));
  });
});

describe('weightedPicker', () => {
  it('draws in proportion to the weights and never a zero-weight index', () => {
    const pick = weightedPicker([3, 0, 1]);
    const rng = createRng(2);
    const counts = [0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[pick(rng)]!++;
    assert.equal(counts[1], 0);
    assert.ok(Math.abs(counts[0]! / 40_000 - 0.75) < 0.02);
    assert.throws(() => weightedPicker([0, 0]), RangeError);
  });
});

describe('day table', () => {
  it('rejects impossible dates and round-trips real ones', () => {
    assert.equal(dayNumber('2023-02-29'), undefined);
    assert.equal(dayNumber('2024-02-30'), undefined);
    assert.equal(dayNumber('2024-2-01'), undefined);
    assert.equal(dayText(dayNumber('2024-02-29')!), '2024-02-29');
    fc.assert(
      fc.property(fc.integer({ min: -40_000, max: 60_000 }), (day) => {
        assert.equal(dayNumber(dayText(day)), day);
      }),
    );
  });

  it('precomputes the same text as dayText for every day', () => {
    const today = dayNumber('2025-03-01')!;
    const table = buildDayTable(today, 106);
    assert.equal(table.text[today - table.first], '2025-03-01');
    for (let d = table.first; d <= today; d += 97) {
      assert.equal(table.text[d - table.first], dayText(d));
      assert.equal(table.year[d - table.first], Number(dayText(d).slice(0, 4)));
    }
  });
});

describe('name tables', () => {
  it('has about 100 family names and 100 given names per sex, each with a katakana reading', () => {
    assert.ok(FAMILY_NAMES.length >= 100);
    assert.ok(MALE_GIVEN_NAMES.length >= 100 && FEMALE_GIVEN_NAMES.length >= 100);
    for (const n of [...FAMILY_NAMES, ...MALE_GIVEN_NAMES, ...FEMALE_GIVEN_NAMES]) {
      assert.match(n.kana, /^[\u30A1-\u30FC]+$/u, n.kana);
    }
  });

  it('offers names for every birth year, by generation', () => {
    const byYear = namesByYear(MALE_GIVEN_NAMES, 1890, 2100);
    assert.ok(byYear.every((list) => list.length >= 5));
    const kanji = (year: number): string[] =>
      (byYear[year - 1890] ?? []).map((i) => MALE_GIVEN_NAMES[i]!.kanji);
    assert.ok(kanji(1935).includes('清') && !kanji(1935).includes('蓮'));
    assert.ok(kanji(2020).includes('蓮') && !kanji(2020).includes('清'));
  });
});
