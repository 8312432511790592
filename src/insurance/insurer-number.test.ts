import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { insurerCheckDigit, parseInsurerNumber } from './insurer-number.ts';

describe('insurer numbers', () => {
  it('accepts the worked examples of DOMAIN.md §2.1', () => {
    assert.equal(insurerCheckDigit('3312001'), 5);
    assert.equal(insurerCheckDigit('0113001'), 2);
    assert.deepEqual(parseInsurerNumber('33120015'), {
      ok: true,
      value: '33120015',
      kind: 'employee',
      houbetsu: '33',
    });
    assert.equal(parseInsurerNumber('01130012').ok, true);
  });

  it('derives the kind from the number', () => {
    const late = `3913${'001'}`;
    const r = parseInsurerNumber(`${late}${insurerCheckDigit(late)}`);
    assert.ok(r.ok && r.kind === 'late-elderly');
    const nhi = `13810`;
    const n = parseInsurerNumber(`${nhi}${insurerCheckDigit(nhi)}`);
    assert.ok(n.ok && n.kind === 'national-municipal' && n.houbetsu === null);
  });

  it('rejects wrong lengths, wrong check digits and bad prefectures', () => {
    assert.equal(parseInsurerNumber('0113001').ok, false);
    assert.equal(parseInsurerNumber('01130013').ok, false);
    assert.equal(parseInsurerNumber('abc').ok, false);
    const body = '0199001';
    assert.equal(parseInsurerNumber(`${body}${insurerCheckDigit(body)}`).ok, false);
  });

  it('property: every single-digit change of a valid number is caught', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{7}$/),
        fc.nat(6),
        fc.integer({ min: 1, max: 9 }),
        (body, at, delta) => {
          const good = `${body}${insurerCheckDigit(body)}`;
          const digit = (Number(good[at]) + delta) % 10;
          const bad = `${good.slice(0, at)}${digit}${good.slice(at + 1)}`;
          return insurerCheckDigit(bad.slice(0, -1)) !== Number(bad.at(-1));
        },
      ),
    );
  });

  it('property: never throws on any string', () => {
    fc.assert(fc.property(fc.string(), (s) => typeof parseInsurerNumber(s).ok === 'boolean'));
  });
});
