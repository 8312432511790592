import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { normalizeDigits } from './normalize-digits.ts';

/** Characters the normaliser must treat specially, mixed into random strings. */
const tricky = fc.constantFrom(
  ' ',
  '\u3000',
  '-',
  '‐',
  '‑',
  '–',
  '—',
  '−',
  '－',
  'ー',
  'ｰ',
  '０',
  '９',
  '\u0301',
  'e',
  '①',
  'ﾞ',
  'ｶ',
);
const messy = fc
  .array(fc.oneof(fc.string({ unit: 'binary' }), tricky), { maxLength: 12 })
  .map((xs) => xs.join(''));

describe('normalizeDigits', () => {
  it('folds full-width digits and drops spaces, hyphens and dashes', () => {
    assert.equal(normalizeDigits('６２１４ ９８３２\u3000０２５７'), '621498320257');
    assert.equal(normalizeDigits('1-2‐3‑4–5—6−7－8ー9ｰ0'), '1234567890');
    assert.equal(normalizeDigits('\t12\n34 '), '1234');
  });

  it('does not validate: letters and other symbols are kept', () => {
    assert.equal(normalizeDigits('12a4.5'), '12a4.5');
    assert.equal(normalizeDigits('ＡＢ１'), 'AB1');
  });

  it('keeps the digits of any ASCII digit string unchanged', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9]*$/), (s) => normalizeDigits(s) === s));
  });

  it('is idempotent, also when a removed separator joins a letter and a combining mark', () => {
    assert.equal(normalizeDigits(normalizeDigits('e-\u0301')), normalizeDigits('e-\u0301'));
    fc.assert(
      fc.property(messy, (s) => {
        const once = normalizeDigits(s);
        assert.equal(normalizeDigits(once), once);
      }),
      { numRuns: 2000 },
    );
  });

  it('never leaves a space or hyphen-like separator behind', () => {
    fc.assert(
      fc.property(messy, (s) => {
        assert.doesNotMatch(normalizeDigits(s), /[ \u3000\-‐‑–—−－ー]/u);
      }),
    );
  });
});
