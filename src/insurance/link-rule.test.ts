import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { matchPerson, type PersonFacts, parseSex } from '../matching/index.ts';
import {
  blockingKey,
  decideLink,
  type LinkCandidate,
  type LinkFacts,
  nameAndBirthDateRule,
} from './link-rule.ts';

const ichiro: LinkFacts = {
  familyName: '髙橋',
  givenName: '一郎',
  familyNameKana: 'タカハシ',
  givenNameKana: 'イチロウ',
  birthDate: '1975-01-01',
  sex: 'male',
  address: '東京都千代田区霞が関一丁目2番3号',
};
const cand = (key: string, f: Partial<LinkFacts> = {}, householdId?: string): LinkCandidate => ({
  ...ichiro,
  ...f,
  key,
  householdId,
});

describe('decideLink', () => {
  it('links an exact unique four-item match, written differently (variant, era date, address form)', () => {
    const record: LinkFacts = {
      familyName: '高橋',
      givenName: '一郎',
      familyNameKana: 'たかはし',
      givenNameKana: 'いちろう',
      birthDate: 'S50.1.1',
      sex: '1',
      address: '東京都千代田区霞ヶ関1-2-3',
    };
    const out = decideLink(record, [cand('a'), cand('b', { givenName: '二郎', givenNameKana: 'ジロウ' })]);
    assert.equal(out.decision, 'link');
    assert.equal(out.candidateKey, 'a');
    assert.deepEqual(out.reasons, ['four-items', 'reading-matches']);
    assert.equal(out.score, 100);
  });

  it('does not need the reading to link', () => {
    const out = decideLink({ ...ichiro, familyNameKana: undefined, givenNameKana: null }, [cand('a')]);
    assert.equal(out.decision, 'link');
  });

  it('sends two four-item matches to review (never picks one)', () => {
    const out = decideLink(ichiro, [cand('a'), cand('b')]);
    assert.equal(out.decision, 'review');
    assert.equal(out.candidateKey, null);
    assert.deepEqual(out.reasons, ['several-four-item-matches']);
    assert.deepEqual(
      out.candidates.map((c) => c.key),
      ['a', 'b'],
    );
  });

  it('sends a namesake at another address (the 2023 case) to review; the 2023 rule links it', () => {
    const namesake = cand('n', { address: '大阪府大阪市北区梅田3-1-1' });
    const out = decideLink(ichiro, [namesake]);
    assert.equal(out.decision, 'review');
    assert.ok(out.reasons.includes('address-differs'));
    const old = nameAndBirthDateRule(ichiro, [namesake]);
    assert.equal(old.decision, 'link');
    assert.equal(old.candidateKey, 'n');
    assert.deepEqual(old.reasons, ['name-birth-date-sex', 'first-hit']);
  });

  it('sends a kanji variant at another address (a move) to review', () => {
    const out = decideLink({ ...ichiro, familyName: '高橋' }, [
      cand('a', { address: '埼玉県さいたま市浦和区高砂1-1-1' }),
    ]);
    assert.equal(out.decision, 'review');
    assert.deepEqual(out.reasons, ['address-differs', 'reading-matches']);
  });

  it('sends conflicting readings to review even when all four items match', () => {
    const out = decideLink({ ...ichiro, familyNameKana: 'タカバシ' }, [cand('a')]);
    assert.equal(out.decision, 'review');
    assert.deepEqual(out.reasons, ['reading-conflict']);
    assert.equal(out.candidates[0]?.matched.address, true);
  });

  it('sends a kana typo on an otherwise exact match to review', () => {
    const out = decideLink({ ...ichiro, givenNameKana: 'イチロ' }, [cand('a')]);
    assert.equal(out.decision, 'review');
    assert.ok(out.reasons.includes('reading-conflict'));
  });

  it('links a twin to the right twin and reviews a record matching neither twin', () => {
    const twins = [
      cand('t1', { givenName: '一郎', givenNameKana: 'イチロウ' }, 'h1'),
      cand('t2', { givenName: '二郎', givenNameKana: 'ジロウ' }, 'h1'),
    ];
    assert.equal(
      decideLink({ ...ichiro, givenName: '二郎', givenNameKana: 'ジロウ' }, twins).candidateKey,
      't2',
    );
    const out = decideLink({ ...ichiro, givenName: '三郎', givenNameKana: 'サブロウ' }, twins);
    assert.equal(out.decision, 'review');
    assert.ok(out.reasons.includes('same-household-other-person'));
  });

  it('reviews a missing or unspecified sex rather than linking', () => {
    assert.equal(decideLink({ ...ichiro, sex: 'unspecified' }, [cand('a')]).decision, 'review');
    const out = decideLink({ ...ichiro, sex: '?' }, [cand('a')]);
    assert.equal(out.decision, 'review');
    assert.ok(out.reasons.includes('sex-unspecified'));
  });

  it('says none for nobody, for strangers and for an unreadable birth date', () => {
    assert.deepEqual(decideLink(ichiro, []).reasons, ['no-candidate']);
    const stranger = cand('s', {
      familyName: '佐藤',
      familyNameKana: 'サトウ',
      address: '北海道札幌市中央区北1条西2丁目',
    });
    const out = decideLink(ichiro, [stranger]);
    assert.equal(out.decision, 'none');
    assert.deepEqual(out.reasons, ['no-match']);
    assert.deepEqual(decideLink({ ...ichiro, birthDate: 'soon' }, [cand('a')]).reasons, [
      'record-birth-date-invalid',
    ]);
  });

  it('sex different: review, never link', () => {
    const out = decideLink({ ...ichiro, sex: 'female' }, [cand('a')]);
    assert.equal(out.decision, 'review');
    assert.ok(out.reasons.includes('sex-differs'));
  });
});

describe('blockingKey', () => {
  it('normalises the birth date, or is undefined', () => {
    assert.equal(blockingKey('S50.1.1'), '1975-01-01');
    assert.equal(blockingKey('昭和50年1月1日'), '1975-01-01');
    assert.equal(blockingKey('nope'), undefined);
  });
});

// Small alphabets so that collisions (namesakes, same addresses) happen often.
const facts: fc.Arbitrary<LinkFacts> = fc.record({
  familyName: fc.constantFrom('高橋', '髙橋', '佐藤', '鈴木', ''),
  givenName: fc.option(fc.constantFrom('一郎', '花子', '次郎'), { nil: undefined }),
  familyNameKana: fc.option(fc.constantFrom('タカハシ', 'サトウ', 'スズキ', 'たかはし'), { nil: undefined }),
  givenNameKana: fc.option(fc.constantFrom('イチロウ', 'ハナコ', 'ジロウ'), { nil: undefined }),
  birthDate: fc.constantFrom('1975-01-01', 'S50.1.1', '1980-02-29', 'bad', '2001-12-31'),
  sex: fc.constantFrom('male', 'female', 'unspecified', '1', '2', 'x'),
  address: fc.constantFrom('千代田区霞が関1-2-3', '千代田区霞ヶ関一丁目2番3号', '大阪市北区梅田3-1-1', ''),
});
const candidates = fc
  .array(facts, { maxLength: 6 })
  .map((list) => list.map((f, i): LinkCandidate => ({ ...f, key: `k${i}` })));

const toPerson = (f: LinkFacts): PersonFacts => ({
  name: [f.familyName, f.givenName].filter((s) => s !== undefined && s !== null && s !== '').join(' '),
  kana:
    f.familyNameKana === undefined || f.familyNameKana === null
      ? undefined
      : [f.familyNameKana, f.givenNameKana].filter((s) => s !== undefined && s !== null).join(' '),
  birthDate: f.birthDate,
  sex: parseSex(f.sex) ?? 'unspecified',
  address: f.address,
});

describe('decideLink properties', () => {
  it("never 'link' unless all four items match for exactly one candidate", () => {
    fc.assert(
      fc.property(facts, candidates, (record, cands) => {
        const out = decideLink(record, cands);
        const same = cands.filter((c) => matchPerson(toPerson(record), toPerson(c)).decision === 'same');
        if (out.decision === 'link') {
          assert.equal(same.length, 1);
          assert.equal(out.candidateKey, same[0]!.key);
          const m = out.candidates.find((c) => c.key === out.candidateKey)!.matched;
          assert.ok(m.name && m.birthDate && m.sex && m.address);
        } else {
          assert.equal(out.candidateKey, null);
          assert.notEqual(same.length, 1);
        }
        if (same.length >= 2) assert.equal(out.decision, 'review');
      }),
      { numRuns: 2000 },
    );
  });

  it('shows for each candidate exactly the items matchPerson matched', () => {
    fc.assert(
      fc.property(facts, candidates, (record, cands) => {
        for (const e of decideLink(record, cands).candidates) {
          const c = cands.find((x) => x.key === e.key)!;
          assert.deepEqual(e.matched, matchPerson(toPerson(record), toPerson(c)).matched);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('sees a candidate object changed between two decisions', () => {
    const c = cand('a');
    assert.equal(decideLink(ichiro, [c]).decision, 'link');
    c.address = '大阪府大阪市北区梅田3-1-1';
    assert.equal(decideLink(ichiro, [c]).decision, 'review');
    c.address = ichiro.address;
    assert.equal(decideLink(ichiro, [c]).decision, 'link');
  });

  it('permuting the candidates never changes the outcome', () => {
    fc.assert(
      fc.property(
        facts,
        candidates.chain((c) =>
          fc.tuple(fc.constant(c), fc.shuffledSubarray(c, { minLength: c.length, maxLength: c.length })),
        ),
        (record, [cands, shuffled]) => {
          assert.deepEqual(decideLink(record, shuffled), decideLink(record, cands));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a complete record links to an exact copy of itself among distinct others', () => {
    const complete = fc.record({
      familyName: fc.constantFrom('高橋', '佐藤', '鈴木'),
      givenName: fc.constantFrom('一郎', '花子', '次郎'),
      familyNameKana: fc.constantFrom('タカハシ', 'サトウ', 'スズキ'),
      givenNameKana: fc.constantFrom('イチロウ', 'ハナコ', 'ジロウ'),
      birthDate: fc.constantFrom('1975-01-01', '1980-02-29', '2001-12-31'),
      sex: fc.constantFrom('male', 'female'),
      address: fc.constantFrom('千代田区霞が関1-2-3', '大阪市北区梅田3-1-1', '札幌市中央区北1条西2丁目'),
    });
    fc.assert(
      fc.property(complete, fc.array(complete, { maxLength: 8 }), fc.nat(), (record, others, at) => {
        const distinct = others.filter((o) => matchPerson(toPerson(record), toPerson(o)).decision !== 'same');
        const list: LinkCandidate[] = distinct.map((o, i) => ({ ...o, key: `o${i}` }));
        list.splice(at % (list.length + 1), 0, { ...record, key: 'self' });
        const out = decideLink(record, list);
        assert.equal(out.decision, 'link');
        assert.equal(out.candidateKey, 'self');
      }),
      { numRuns: 1000 },
    );
  });

  it('the 2023 rule links namesakes that Myna sends to review', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('大阪市北区梅田3-1-1', '札幌市中央区北1条西2丁目', '那覇市泉崎1-2-2'),
        (address) => {
          const namesake: LinkCandidate = { ...ichiro, address, key: 'namesake' };
          assert.equal(nameAndBirthDateRule(ichiro, [namesake]).candidateKey, 'namesake');
          assert.equal(decideLink(ichiro, [namesake]).decision, 'review');
        },
      ),
    );
  });

  it('the 2023 rule takes the first hit, Myna reviews several', () => {
    const old = nameAndBirthDateRule(ichiro, [cand('x', { address: '大阪市北区梅田3-1-1' }), cand('y')]);
    assert.equal(old.candidateKey, 'x');
  });

  it('never throws, and the score is within 0–100', () => {
    fc.assert(
      fc.property(
        fc.record({
          familyName: fc.string(),
          givenName: fc.option(fc.string()),
          familyNameKana: fc.option(fc.string()),
          givenNameKana: fc.option(fc.string()),
          birthDate: fc.string(),
          sex: fc.string(),
          address: fc.string(),
        }),
        candidates,
        (record, cands) => {
          for (const out of [decideLink(record, cands), nameAndBirthDateRule(record, cands)]) {
            assert.ok(out.score >= 0 && out.score <= 100);
            assert.ok(out.reasons.length > 0);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
