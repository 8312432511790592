import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { municipalityCheckDigit, validateMunicipalityCode } from './municipality-code.ts';

const body = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 5, maxLength: 5 })
  .map((ds) => ds.join(''));

function remainder(code5: string): number {
  return [...code5].reduce((sum, d, i) => sum + Number(d) * (6 - i), 0) % 11;
}

describe('municipalityCheckDigit', () => {
  it('matches published codes, including remainders 0, 1 and 10', () => {
    assert.equal(municipalityCheckDigit('13101'), 6); // 千代田区
    assert.equal(municipalityCheckDigit('01100'), 2); // 札幌市
    assert.equal(municipalityCheckDigit('27100'), 4); // 大阪市
    assert.equal(municipalityCheckDigit('14100'), 3); // 横浜市
    assert.equal(municipalityCheckDigit('13104'), 1); // 新宿区, r = 0
    assert.equal(municipalityCheckDigit('13113'), 0); // 渋谷区, r = 1
    assert.equal(municipalityCheckDigit('13000'), 1); // 東京都, r = 10
  });
});

describe('validateMunicipalityCode', () => {
  it('accepts body + check digit for every 5-digit body', () => {
    fc.assert(
      fc.property(body, (b) => {
        const code = b + municipalityCheckDigit(b);
        assert.deepEqual(validateMunicipalityCode(code), { ok: true, value: code });
      }),
    );
  });

  // Weights 2–6 are invertible mod 11, so r always moves; the check digit only fails to
  // change when r moves between 0 and 10, which both give 1.
  it('detects every single-digit substitution except an r = 0 ↔ r = 10 move', () => {
    fc.assert(
      fc.property(body, (b) => {
        const valid = b + municipalityCheckDigit(b);
        for (let at = 0; at < 6; at++) {
          for (let d = 0; d <= 9; d++) {
            if (String(d) === valid[at]) continue;
            const changed = valid.slice(0, at) + d + valid.slice(at + 1);
            const pair = [remainder(b), remainder(changed.slice(0, 5))].sort((x, y) => x - y).join(',');
            const undetectable = at < 5 && pair === '0,10';
            assert.equal(validateMunicipalityCode(changed).ok, undetectable, `${valid} → ${changed}`);
          }
        }
      }),
    );
  });

  it('has a real r = 0 ↔ 10 collision, so the exception is not vacuous', () => {
    // 13104 (新宿区) has r = 0; changing its 4th digit 0 → 7 adds 3·7 = 21 ≡ 10 (mod 11).
    assert.equal(validateMunicipalityCode('131041').ok, true);
    assert.equal(validateMunicipalityCode('131741').ok, true);
  });

  it('reports its own codes and never throws', () => {
    const codes = ['', '１３１０１X', '13101', '131017'].map((s) => {
      const r = validateMunicipalityCode(s);
      return r.ok ? 'ok' : r.code;
    });
    assert.deepEqual(codes, [
      'MUNICIPALITY_CODE_EMPTY',
      'MUNICIPALITY_CODE_NOT_DIGITS',
      'MUNICIPALITY_CODE_LENGTH',
      'MUNICIPALITY_CODE_CHECK_DIGIT',
    ]);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => typeof validateMunicipalityCode(s).ok === 'boolean'),
    );
  });
});
