import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatGregorianDate, formatJapaneseEraDate, parseIsoDate, toJapaneseEra } from './era.ts';

describe('parseIsoDate', () => {
  it('accepts real dates only', () => {
    assert.deepEqual(parseIsoDate('2024-02-29'), { year: 2024, month: 2, day: 29 });
    for (const bad of [
      '2023-02-29',
      '2024-13-01',
      '2024-00-10',
      '2024-04-31',
      '2024-4-1',
      '20240401',
      '',
      ' 2024-04-01',
    ])
      assert.equal(parseIsoDate(bad), undefined, bad);
  });

  it('agrees with Date on every day from 1873 to 2100 (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1873-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }),
        (d) => {
          const iso = d.toISOString().slice(0, 10);
          const parsed = parseIsoDate(iso);
          return (
            parsed !== undefined &&
            parsed.year === d.getUTCFullYear() &&
            parsed.month === d.getUTCMonth() + 1 &&
            parsed.day === d.getUTCDate()
          );
        },
      ),
    );
  });

  it('never throws on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => parseIsoDate(s) === undefined || /^\d{4}-\d{2}-\d{2}$/.test(s)),
    );
  });
});

describe('toJapaneseEra', () => {
  const cases: [string, string, number][] = [
    ['2019-04-30', '平成', 31],
    ['2019-05-01', '令和', 1],
    ['1989-01-07', '昭和', 64],
    ['1989-01-08', '平成', 1],
    ['1926-12-24', '大正', 15],
    ['1926-12-25', '昭和', 1],
    ['1912-07-29', '明治', 45],
    ['1912-07-30', '大正', 1],
    ['1873-01-01', '明治', 6],
    ['1985-01-02', '昭和', 60],
    ['2025-04-01', '令和', 7],
  ];
  for (const [iso, era, year] of cases) {
    it(`${iso} is ${era}${year}`, () => {
      const e = toJapaneseEra(iso);
      assert.deepEqual(e && [e.era, e.eraYear, e.month, e.day], [
        era,
        year,
        Number(iso.slice(5, 7)),
        Number(iso.slice(8)),
      ]);
    });
  }

  it('has no era before the Gregorian calendar was adopted, or for a malformed date', () => {
    assert.equal(toJapaneseEra('1872-12-31'), undefined);
    assert.equal(toJapaneseEra('2019-02-30'), undefined);
  });

  it('writes the first year as 元年', () => {
    assert.equal(formatJapaneseEraDate('2019-05-01'), '令和元年5月1日');
    assert.equal(formatJapaneseEraDate('1989-01-08'), '平成元年1月8日');
    assert.equal(formatJapaneseEraDate('1989-01-07'), '昭和64年1月7日');
    assert.equal(formatJapaneseEraDate('1985-01-02'), '昭和60年1月2日');
    assert.equal(formatGregorianDate('2035-01-02'), '2035年1月2日');
  });

  it('era year + era start year − 1 is the Gregorian year (property)', () => {
    const first: Record<string, number> = { 明治: 1868, 大正: 1912, 昭和: 1926, 平成: 1989, 令和: 2019 };
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1873-01-01'), max: new Date('2200-12-31'), noInvalidDate: true }),
        (d) => {
          const iso = d.toISOString().slice(0, 10);
          const e = toJapaneseEra(iso)!;
          return e.eraYear >= 1 && first[e.era]! + e.eraYear - 1 === d.getUTCFullYear();
        },
      ),
    );
  });
});
