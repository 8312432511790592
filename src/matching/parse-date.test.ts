import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDate } from './index.ts';
import { JAPANESE_ERAS } from './japanese-eras.ts';

const ok = (input: string, value: string): void =>
  assert.deepEqual(parseDate(input), { ok: true, value }, input);
const rejects = (input: string, code: string): void => {
  const result = parseDate(input);
  assert.equal(result.ok, false, input);
  if (!result.ok) assert.equal(result.code, code, input);
};

describe('parseDate: Gregorian notations', () => {
  it('accepts ISO, slashes, dots, compact and 年月日', () => {
    for (const s of [
      '1990-04-01',
      '1990/04/01',
      '1990.04.01',
      '19900401',
      '1990年4月1日',
      '1990-4-1',
      '1990/4/1',
    ])
      ok(s, '1990-04-01');
  });

  it('accepts full-width digits and separators, and surrounding spaces', () => {
    ok('１９９０－０４－０１', '1990-04-01');
    ok('１９９０／４／１', '1990-04-01');
    ok('１９９０年４月１日', '1990-04-01');
    ok(' 1990年 4月 1日 ', '1990-04-01');
  });

  it('rejects other shapes as DATE_FORMAT', () => {
    for (const s of [
      '',
      'abc',
      '1990-04/01',
      '90-04-01',
      '1990-004-01',
      '1990年4月',
      '1990-04-01T00:00',
      '04/01/1990',
    ])
      rejects(s, 'DATE_FORMAT');
    rejects('1'.repeat(100), 'DATE_FORMAT');
  });
});

describe('parseDate: calendar', () => {
  it('knows leap years', () => {
    ok('2024年2月29日', '2024-02-29');
    rejects('2023年2月29日', 'DATE_IMPOSSIBLE');
    ok('2000-02-29', '2000-02-29');
    rejects('1900-02-29', 'DATE_IMPOSSIBLE');
  });

  it('rejects impossible days and months', () => {
    for (const s of ['2024-02-30', '2024-04-31', '2024-13-01', '2024-00-10', '2024-01-00', '2024-01-32'])
      rejects(s, 'DATE_IMPOSSIBLE');
    ok('2024-12-31', '2024-12-31');
  });

  it('enforces the range 1868-01-01..9999-12-31', () => {
    ok('1868-01-01', '1868-01-01');
    ok('9999-12-31', '9999-12-31');
    rejects('1867-12-31', 'DATE_OUT_OF_RANGE');
    rejects('0000-01-01', 'DATE_OUT_OF_RANGE');
  });
});

describe('parseDate: Japanese eras', () => {
  it('reads full era names, 元年, kanji and letter abbreviations and ligatures', () => {
    ok('平成5年2月3日', '1993-02-03');
    ok('H5.2.3', '1993-02-03');
    ok('h05.02.03', '1993-02-03');
    ok('平5.2.3', '1993-02-03');
    ok('㍻5年2月3日', '1993-02-03');
    ok('S50/1/1', '1975-01-01');
    ok('昭和50年1月1日', '1975-01-01');
    ok('令和元年5月1日', '2019-05-01');
    ok('R元.5.1', '2019-05-01');
    ok('令和６年２月２９日', '2024-02-29');
    ok('Ｔ１２．９．１', '1923-09-01');
    ok('M45.7.29', '1912-07-29');
  });

  it('rejects dates outside their era', () => {
    ok('平成31年4月30日', '2019-04-30');
    rejects('平成31年5月1日', 'DATE_IMPOSSIBLE');
    ok('昭和64年1月7日', '1989-01-07');
    rejects('昭和64年1月8日', 'DATE_IMPOSSIBLE');
    rejects('平成元年1月7日', 'DATE_IMPOSSIBLE');
    ok('平成元年1月8日', '1989-01-08');
    rejects('大正元年7月29日', 'DATE_IMPOSSIBLE');
    ok('大正元年7月30日', '1912-07-30');
    rejects('明治45年7月30日', 'DATE_IMPOSSIBLE');
    rejects('昭和元年12月24日', 'DATE_IMPOSSIBLE');
    ok('昭和元年12月25日', '1926-12-25');
    rejects('明治元年1月24日', 'DATE_IMPOSSIBLE');
    ok('明治元年1月25日', '1868-01-25');
    rejects('令和元年4月30日', 'DATE_IMPOSSIBLE');
    rejects('平成0年1月1日', 'DATE_IMPOSSIBLE');
  });

  it('checks the calendar inside an era', () => {
    rejects('令和5年2月29日', 'DATE_IMPOSSIBLE');
    rejects('H5.2.30', 'DATE_IMPOSSIBLE');
  });

  it('reports era years past 9999 as out of range', () => {
    rejects('令和9000年1月1日', 'DATE_OUT_OF_RANGE');
  });

  it('rejects unknown era letters as DATE_FORMAT', () => {
    rejects('X5.2.3', 'DATE_FORMAT');
    rejects('平成5年2月', 'DATE_FORMAT');
  });
});

const MIN_DAY = Date.UTC(1868, 0, 1) / 86_400_000;
const MAX_DAY = Date.UTC(9999, 11, 31) / 86_400_000;
const isoDay = fc
  .integer({ min: MIN_DAY, max: MAX_DAY })
  .map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));

/** Writes an ISO date in its era, the way a form would (test-side, independent of the parser). */
function toEra(iso: string): string | undefined {
  const era = [...JAPANESE_ERAS].reverse().find((e) => e.start <= iso);
  if (era === undefined) return undefined;
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const year = y - Number(era.start.slice(0, 4)) + 1;
  return `${era.name}${year === 1 ? '元' : year}年${m}月${d}日`;
}

describe('parseDate: properties', () => {
  it('round-trips every ISO date in range, also as slashes, compact and 年月日', () => {
    fc.assert(
      fc.property(isoDay, (iso) => {
        const [y, m, d] = iso.split('-');
        ok(iso, iso);
        ok(`${y}/${m}/${d}`, iso);
        ok(`${y}${m}${d}`, iso);
        ok(`${y}年${Number(m)}月${Number(d)}日`, iso);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips every date since Meiji written in its era', () => {
    fc.assert(
      fc.property(isoDay, (iso) => {
        const era = toEra(iso);
        if (era !== undefined && era.length <= 64) ok(era, iso);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws and always returns a known code', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' })), (s) => {
        const result = parseDate(s);
        if (result.ok) assert.match(result.value, /^\d{4}-\d{2}-\d{2}$/);
        else assert.ok(['DATE_FORMAT', 'DATE_IMPOSSIBLE', 'DATE_OUT_OF_RANGE'].includes(result.code));
      }),
      { numRuns: 3000 },
    );
  });
});
