import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '../core/index.ts';
import {
  corporateCheckDigit,
  formatIndividualNumber,
  individualCheckDigit,
  maskIndividualNumber,
  validateCorporateNumber,
  validateIndividualNumber,
} from './check-digit.ts';

const digitString = (length: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((ds) => ds.join(''));

/** r = Σ P·Q mod 11 for an individual-number body (the value the check digit is derived from). */
function individualRemainder(body: string): number {
  const weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  return [...body].reduce((sum, d, i) => sum + Number(d) * weights[i]!, 0) % 11;
}

/** Every number that differs from `value` in exactly one digit, with the changed position. */
function substitutions(value: string): { at: number; changed: string }[] {
  const out: { at: number; changed: string }[] = [];
  for (let at = 0; at < value.length; at++) {
    for (let d = 0; d <= 9; d++) {
      if (String(d) !== value[at]) out.push({ at, changed: value.slice(0, at) + d + value.slice(at + 1) });
    }
  }
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isAppError(error) ? error.code : 'not an AppError';
  }
  return undefined;
}

describe('individualCheckDigit', () => {
  it('computes the DOMAIN.md §1.1 examples, including both r ≤ 1 edges', () => {
    assert.equal(individualCheckDigit('62149832025'), 7);
    assert.equal(individualCheckDigit('12345678901'), 8);
    assert.equal(individualCheckDigit('12345678900'), 0); // r = 1
    assert.equal(individualCheckDigit('11000000000'), 0); // r = 0
  });

  it('agrees with the (-sum) % 11 % 10 formulation used by python-stdnum', () => {
    fc.assert(
      fc.property(digitString(11), (body) => {
        const weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
        const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
        assert.equal(individualCheckDigit(body), (((-sum % 11) + 11) % 11) % 10);
      }),
    );
  });

  it('rejects a body that is not 11 ASCII digits with a coded error', () => {
    assert.equal(
      codeOf(() => individualCheckDigit('1234567890')),
      'NUMBER_LENGTH',
    );
    assert.equal(
      codeOf(() => individualCheckDigit('1234567890a')),
      'NUMBER_NOT_DIGITS',
    );
  });
});

describe('validateIndividualNumber', () => {
  it('accepts body + individualCheckDigit(body) for every 11-digit body', () => {
    fc.assert(
      fc.property(digitString(11), (body) => {
        const n = body + individualCheckDigit(body);
        assert.deepEqual(validateIndividualNumber(n), { ok: true, value: n });
      }),
    );
  });

  it('reports the expected check digit in the message', () => {
    const result = validateIndividualNumber('621498320255');
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.code === 'NUMBER_CHECK_DIGIT');
    assert.ok(!result.ok && result.message.includes('check digit should be 7, not 5'));
  });

  // Every weight (2–7) is invertible mod 11, so a one-digit change always moves r. The only
  // miss is r moving between 0 and 1, which both map to check digit 0 (DOMAIN.md §1.1).
  it('detects every single-digit substitution except an r = 0 ↔ r = 1 move', () => {
    fc.assert(
      fc.property(digitString(11), (body) => {
        const valid = body + individualCheckDigit(body);
        for (const { at, changed } of substitutions(valid)) {
          const undetectable =
            at < 11 && individualRemainder(body) <= 1 && individualRemainder(changed.slice(0, 11)) <= 1;
          assert.equal(validateIndividualNumber(changed).ok, undetectable, `${valid} → ${changed}`);
        }
      }),
    );
  });

  it('has real r = 0/1 collisions, so the exception above is not vacuous', () => {
    assert.equal(validateIndividualNumber('110000000000').ok, true);
    assert.equal(validateIndividualNumber('310000000000').ok, true);
  });

  it('never throws, whatever the string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const result = validateIndividualNumber(s);
        assert.equal(typeof result.ok, 'boolean');
      }),
    );
  });
});

describe('corporateCheckDigit and validateCorporateNumber', () => {
  it('computes the DOMAIN.md §1.2 examples', () => {
    assert.equal(corporateCheckDigit('000012050002'), 7);
    assert.equal(corporateCheckDigit('180301018771'), 1);
  });

  it('always yields 1–9, and the check digit goes in front', () => {
    fc.assert(
      fc.property(digitString(12), (base) => {
        const check = corporateCheckDigit(base);
        assert.ok(check >= 1 && check <= 9);
        assert.deepEqual(validateCorporateNumber(check + base), { ok: true, value: check + base });
      }),
    );
  });

  // Weights 1 and 2 are invertible mod 9, so a change of d is caught unless d ≡ 0 mod 9,
  // i.e. a 0 ↔ 9 swap in the base (DOMAIN.md §1.2).
  it('detects every single-digit substitution except 0 ↔ 9 in the base', () => {
    fc.assert(
      fc.property(digitString(12), (base) => {
        const valid = corporateCheckDigit(base) + base;
        for (const { at, changed } of substitutions(valid)) {
          const pair = [valid[at], changed[at]].sort().join('');
          assert.equal(validateCorporateNumber(changed).ok, at > 0 && pair === '09', `${valid} → ${changed}`);
        }
      }),
    );
  });

  it('uses its own error codes', () => {
    const codes = ['', 'x', '123', '8000012050002'].map((s) => {
      const r = validateCorporateNumber(s);
      return r.ok ? 'ok' : r.code;
    });
    assert.deepEqual(codes, [
      'CORPORATE_NUMBER_EMPTY',
      'CORPORATE_NUMBER_NOT_DIGITS',
      'CORPORATE_NUMBER_LENGTH',
      'CORPORATE_NUMBER_CHECK_DIGIT',
    ]);
    assert.equal(
      codeOf(() => corporateCheckDigit('12')),
      'CORPORATE_NUMBER_LENGTH',
    );
  });

  it('never throws, whatever the string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => typeof validateCorporateNumber(s).ok === 'boolean'),
    );
  });
});

describe('formatIndividualNumber and maskIndividualNumber', () => {
  it('formats as NNNN NNNN NNNN and masks all but the last four', () => {
    assert.equal(formatIndividualNumber('621498320257'), '6214 9832 0257');
    assert.equal(formatIndividualNumber('６２１４-９８３２-０２５７'), '6214 9832 0257');
    assert.equal(maskIndividualNumber('621498320257'), '**** **** 0257');
    assert.equal(maskIndividualNumber('6214 9832 0257'), '**** **** 0257');
  });

  it('round-trips: formatting never changes the digits', () => {
    fc.assert(
      fc.property(digitString(12), (n) => {
        const formatted = formatIndividualNumber(n);
        assert.match(formatted, /^\d{4} \d{4} \d{4}$/);
        assert.equal(formatted.replaceAll(' ', ''), n);
        assert.equal(maskIndividualNumber(n), `**** **** ${n.slice(8)}`);
      }),
    );
  });

  it('refuses anything but 12 digits instead of leaking part of it', () => {
    assert.equal(
      codeOf(() => maskIndividualNumber('12345')),
      'NUMBER_LENGTH',
    );
    assert.equal(
      codeOf(() => maskIndividualNumber('62149832025x')),
      'NUMBER_NOT_DIGITS',
    );
    assert.equal(
      codeOf(() => formatIndividualNumber('6214983202571')),
      'NUMBER_LENGTH',
    );
  });
});
