import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { matchPerson, type PersonFacts } from './index.ts';

const base: PersonFacts = {
  name: '髙橋 一郎',
  kana: 'タカハシ イチロウ',
  birthDate: 'S50.1.1',
  sex: 'male',
  address: '東京都千代田区霞が関一丁目2番3号',
};
const sameWritten: PersonFacts = {
  name: '高橋一郎',
  kana: 'たかはし いちろう',
  birthDate: '1975-01-01',
  sex: 'male',
  address: '東京都千代田区霞ヶ関1-2-3',
};

describe('matchPerson', () => {
  it('is "same" only when name, birth date, sex and address all match after normalisation', () => {
    const result = matchPerson(base, sameWritten);
    assert.equal(result.decision, 'same');
    assert.deepEqual(result.matched, { name: true, kana: true, birthDate: true, sex: true, address: true });
  });

  it('does not need the reading for "same"', () => {
    assert.equal(matchPerson({ ...base, kana: undefined }, sameWritten).decision, 'same');
  });

  it('refuses a three-item match (name, birth date, sex): the 2023 mis-link', () => {
    const namesake = { ...sameWritten, address: '大阪府大阪市北区梅田3-1-1' };
    const result = matchPerson(base, namesake);
    assert.notEqual(result.decision, 'same');
    assert.equal(result.decision, 'possible');
    assert.equal(result.matched.address, false);
  });

  it('is "possible" when only the reading matches the name (another script)', () => {
    const result = matchPerson(base, { ...sameWritten, name: 'TAKAHASHI ICHIRO' });
    assert.equal(result.decision, 'possible');
    assert.deepEqual(result.matched, { name: false, kana: true, birthDate: true, sex: true, address: true });
  });

  it('downgrades to "possible" when both readings exist and contradict each other', () => {
    const result = matchPerson(base, { ...sameWritten, kana: 'タカバシ イチロウ' });
    assert.equal(result.decision, 'possible');
    assert.equal(result.matched.kana, false);
  });

  it('treats an unspecified sex as missing evidence, not a match', () => {
    const result = matchPerson({ ...base, sex: 'unspecified' }, { ...sameWritten, sex: 'unspecified' });
    assert.equal(result.matched.sex, false);
    assert.equal(result.decision, 'possible');
  });

  it('is "different" when the birth date differs, however close the rest', () => {
    assert.equal(matchPerson(base, { ...sameWritten, birthDate: '1975-01-02' }).decision, 'different');
  });

  it('is "different" when neither name nor reading matches', () => {
    const other = { ...sameWritten, name: '鈴木一郎', kana: 'スズキ イチロウ' };
    assert.equal(matchPerson(base, other).decision, 'different');
  });

  it('never matches blank or unparseable items', () => {
    const blank: PersonFacts = { name: ' ', kana: '', birthDate: 'unknown', sex: 'male', address: '' };
    const result = matchPerson(blank, blank);
    assert.deepEqual(result.matched, {
      name: false,
      kana: false,
      birthDate: false,
      sex: true,
      address: false,
    });
    assert.equal(result.decision, 'different');
  });
});

/** Small pools so generated pairs often agree on some items and disagree on others. */
const person: fc.Arbitrary<PersonFacts> = fc.record({
  name: fc.oneof(
    fc.constantFrom('髙橋一郎', '高橋 一郎', '渡邊花子', '渡辺 花子', 'José García'),
    fc.string(),
  ),
  kana: fc.option(fc.constantFrom('タカハシイチロウ', 'たかはし いちろう', 'ワタナベハナコ', ''), {
    nil: undefined,
  }),
  birthDate: fc.oneof(fc.constantFrom('1975-01-01', 'S50.1.1', '昭和50年1月1日', '2000-02-29'), fc.string()),
  sex: fc.constantFrom('male', 'female', 'unspecified'),
  address: fc.oneof(fc.constantFrom('霞が関1丁目2番3号', '霞ヶ関1-2-3', '梅田3-1-1'), fc.string()),
});

describe('matchPerson: properties', () => {
  it('is symmetric', () => {
    fc.assert(
      fc.property(person, person, (a, b) => {
        assert.deepEqual(matchPerson(a, b), matchPerson(b, a));
      }),
      { numRuns: 2000 },
    );
  });

  it('says "same" only when all four basic items matched', () => {
    fc.assert(
      fc.property(person, person, (a, b) => {
        const { decision, matched } = matchPerson(a, b);
        if (decision === 'same')
          assert.ok(matched.name && matched.birthDate && matched.sex && matched.address);
        if (decision !== 'different') assert.ok(matched.birthDate);
      }),
      { numRuns: 2000 },
    );
  });
});
