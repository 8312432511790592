import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '../core/index.ts';
import { dayNumber } from './day-table.ts';
import { generateTown } from './index.ts';
import { byHousehold, TOWN, town, yearsBetween } from './town.test-util.ts';

const KATAKANA = /^[\u30A1-\u30FC ]+$/u;

describe('generateTown', () => {
  it('gives the same residents for the same seed, and different ones for another seed', () => {
    const a = [...generateTown({ ...TOWN, count: 2000 })];
    const b = [...generateTown({ ...TOWN, count: 2000 })];
    const c = [...generateTown({ ...TOWN, count: 2000, seed: TOWN.seed + 1 })];
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('yields exactly count residents, even when that cuts a household short', () => {
    for (const count of [0, 1, 2, 3, 7, 1234])
      assert.equal([...generateTown({ ...TOWN, count })].length, count);
    assert.equal(town().length, TOWN.count);
  });

  it('rejects bad options at once with DEMO_INVALID_OPTIONS', () => {
    const bad = [
      { count: -1 },
      { count: 1.5 },
      { seed: 0.5 },
      { today: '2025-02-30' },
      { today: '2025/04/01' },
      { municipalityCode: '12345' },
      { municipalityName: '' },
      { prefecture: '' },
    ];
    for (const override of bad) {
      assert.throws(
        () => generateTown({ ...TOWN, ...override }),
        (e: unknown) => isAppError(e) && e.code === 'DEMO_INVALID_OPTIONS',
        JSON.stringify(override),
      );
    }
  });

  it('writes only real calendar dates, never after today, the oldest about 105', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.date({ min: new Date('1990-01-01'), max: new Date('2090-12-31'), noInvalidDate: true }),
        (seed, date) => {
          const today = date.toISOString().slice(0, 10);
          for (const r of generateTown({ ...TOWN, seed, today, count: 300 })) {
            assert.ok(dayNumber(r.birthDate) !== undefined, r.birthDate);
            assert.ok(r.birthDate <= today, `${r.birthDate} after ${today}`);
            assert.ok(yearsBetween(r.birthDate, today) < 106);
            assert.ok(r.movedInDate !== undefined && dayNumber(r.movedInDate) !== undefined);
            assert.ok(r.movedInDate >= r.birthDate && r.movedInDate <= today);
          }
        },
      ),
      { numRuns: 40 },
    );
    const ages = town().map((r) => yearsBetween(r.birthDate, TOWN.today));
    assert.ok(Math.max(...ages) > 100, 'some residents are over 100');
  });

  it('gives unique 宛名番号 and numbers households in order', () => {
    const residents = town();
    assert.equal(new Set(residents.map((r) => r.localId)).size, residents.length);
    for (const r of residents) assert.match(r.localId, /^\d{10}$/);
    const order = [...new Set(residents.map((r) => r.householdId))];
    assert.deepEqual(order, [...order].sort());
    for (const id of order) assert.match(id, /^H\d{9}$/);
  });

  it('keeps each household consistent: one head, one address, shared name, sensible ages', () => {
    const towns = [town(), town({ seed: 1 }), town({ seed: 2, today: '2001-12-31' })];
    for (const [id, members] of towns.flatMap((t) => [...byHousehold(t)])) {
      const head = members[0]!;
      assert.equal(head.relationship, '世帯主', id);
      assert.equal(members.filter((m) => m.relationship === '世帯主').length, 1, id);
      const headAge = yearsBetween(head.birthDate, '2100-01-01');
      for (const m of members) {
        assert.equal(m.address, head.address, id);
        assert.equal(m.postalCode, head.postalCode, id);
        const age = yearsBetween(m.birthDate, '2100-01-01');
        if (m.relationship === '子') {
          assert.ok(headAge - age >= 15, `${id}: child only ${headAge - age} years younger`);
          assert.ok(headAge - age <= 46, `${id}: child ${headAge - age} years younger`);
        }
        if (m.relationship === '父' || m.relationship === '母') assert.ok(age - headAge >= 15, id);
        if (m.relationship === '妻' || m.relationship === '夫') assert.ok(Math.abs(age - headAge) <= 12, id);
        const related = m.relationship !== '同居人' && m.nationality === head.nationality;
        if (related && m.nationality === 'JP') assert.equal(m.familyName, head.familyName, id);
      }
    }
  });

  it('has the age pyramid of an ageing town and realistic household sizes', () => {
    const residents = town();
    const ages = residents.map((r) => yearsBetween(r.birthDate, TOWN.today));
    const share = (f: (a: number) => boolean): number => ages.filter(f).length / ages.length;
    assert.ok(share((a) => a >= 60) > 0.35, 'many aged 60+');
    assert.ok(share((a) => a >= 65) > 0.28 && share((a) => a >= 65) < 0.42);
    assert.ok(share((a) => a < 15) > 0.07 && share((a) => a < 15) < 0.15);
    const sizes = [...byHousehold(residents).values()].map((m) => m.length);
    const mean = residents.length / sizes.length;
    assert.ok(mean > 1.8 && mean < 2.7, `mean household size ${mean}`);
    assert.ok(sizes.filter((s) => s === 1).length / sizes.length > 0.2, 'many single-person households');
    assert.ok(
      sizes.some((s) => s >= 5),
      'some large households',
    );
  });

  it('has about 3% foreign residents with Latin capital names and a status of residence', () => {
    const residents = town();
    const foreign = residents.filter((r) => r.nationality !== 'JP');
    const share = foreign.length / residents.length;
    assert.ok(share >= 0.015 && share <= 0.05, `foreign share ${share}`);
    assert.ok(new Set(foreign.map((r) => r.nationality)).size >= 6);
    for (const r of foreign) {
      assert.match(r.nationality, /^[A-Z]{2}$/);
      assert.match(`${r.familyName} ${r.givenName ?? ''}`, /^[A-Z][A-Z ]*$/);
      assert.ok(r.residenceStatus !== undefined && r.residenceStatus.length > 0);
      if (r.familyNameKana !== undefined) assert.match(r.familyNameKana, KATAKANA);
    }
    assert.ok(foreign.some((r) => r.residenceStatus === '特別永住者'));
    for (const r of residents.filter((x) => x.nationality === 'JP')) assert.ok(!('residenceStatus' in r));
  });

  it('writes Japanese names with katakana readings, using variant kanji in some households', () => {
    const japanese = town().filter((r) => r.nationality === 'JP');
    for (const r of japanese) {
      assert.ok(r.givenName !== undefined && r.familyNameKana !== undefined && r.givenNameKana !== undefined);
      assert.match(r.familyNameKana, KATAKANA);
      assert.match(r.givenNameKana, KATAKANA);
    }
    const names = new Set(japanese.map((r) => r.familyName));
    for (const spelling of ['高橋', '髙橋', '渡辺', '渡邉', '山崎', '山﨑'])
      assert.ok(names.has(spelling), spelling);
  });

  it('writes addresses in the municipality, with one postal code per 町名', () => {
    const residents = town();
    const prefix = `${TOWN.prefecture}${TOWN.municipalityName}`;
    const postalByTown = new Map<string, string>();
    for (const r of residents) {
      assert.ok(r.address.startsWith(prefix), r.address);
      const m = /^(.+?)(\d)丁目(\d+)番(\d+)号( .+\d号室)?$/u.exec(r.address.slice(prefix.length));
      assert.ok(m !== null, r.address);
      assert.match(r.postalCode ?? '', /^\d{7}$/);
      const known = postalByTown.get(m[1]!);
      if (known === undefined) postalByTown.set(m[1]!, r.postalCode!);
      else assert.equal(r.postalCode, known, m[1]);
    }
    assert.ok(postalByTown.size >= 20 && postalByTown.size <= 25, `${postalByTown.size} towns`);
    assert.ok([...postalByTown.keys()].some((t) => /[ヶケ]/.test(t)));
    assert.ok(residents.some((r) => r.address.endsWith('号室')));
  });

  it('rarely repeats a full name with the same birth date (< 0.1%)', () => {
    const fold = (s: string): string =>
      s
        .replace(/髙/g, '高')
        .replace(/[邉邊]/g, '辺')
        .replace(/[齋齊]/g, '斎')
        .replace(/﨑/g, '崎')
        .replace(/𠮷/g, '吉');
    const residents = [...generateTown({ ...TOWN, count: 100_000 })];
    const seen = new Set<string>();
    let duplicates = 0;
    for (const r of residents) {
      const key = `${fold(r.familyName)}|${r.givenName ?? ''}|${r.birthDate}`;
      if (seen.has(key)) duplicates++;
      seen.add(key);
    }
    assert.ok(duplicates / residents.length < 0.001, `${duplicates} duplicates`);
  });
});
