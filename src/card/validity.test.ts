import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ageOn, cardTerms, nthBirthdayAfter, renewalOpensOn } from './validity.ts';

describe('card validity', () => {
  it('runs an adult card to the 10th birthday after issue and its certificates to the 5th', () => {
    const t = cardTerms('1985-06-10', '2026-11-29');
    assert.equal(t.cardExpiresOn, '2036-06-10');
    assert.equal(t.certificatesExpireOn, '2031-06-10');
    assert.equal(t.withSignatureCertificate, true);
    assert.equal(t.withPhoto, true);
  });

  it('counts a birthday on the issue day as already passed', () => {
    assert.equal(nthBirthdayAfter('1985-11-29', '2026-11-29', 10), '2036-11-29');
    assert.equal(nthBirthdayAfter('1985-11-30', '2026-11-29', 10), '2035-11-30');
  });

  it('gives a minor a 5-year card whose certificates end with it', () => {
    const t = cardTerms('2010-01-01', '2026-11-29');
    assert.equal(ageOn('2010-01-01', '2026-11-29'), 16);
    assert.equal(t.cardExpiresOn, '2031-01-01');
    assert.equal(t.certificatesExpireOn, '2031-01-01');
  });

  it('gives no signature certificate under 15 and no photo under 1', () => {
    assert.equal(cardTerms('2012-12-01', '2026-11-29').withSignatureCertificate, false);
    assert.equal(cardTerms('2011-11-29', '2026-11-29').withSignatureCertificate, true);
    assert.equal(cardTerms('2026-01-01', '2026-11-29').withPhoto, false);
    assert.equal(cardTerms('2025-11-29', '2026-11-29').withPhoto, true);
  });

  it('puts a 29 February birthday on the 28th in common years', () => {
    assert.equal(nthBirthdayAfter('2000-02-29', '2026-11-29', 1), '2027-02-28');
    assert.equal(nthBirthdayAfter('2000-02-29', '2026-11-29', 2), '2028-02-29');
  });

  it('opens renewal three months before expiry', () => {
    assert.equal(renewalOpensOn('2031-06-10'), '2031-03-10');
    assert.equal(renewalOpensOn('2031-05-31'), '2031-02-28');
    assert.equal(renewalOpensOn('2031-02-15'), '2030-11-15');
  });

  it('always keeps certificates within the card and after the issue day', () => {
    const day = fc
      .date({ min: new Date('1900-01-01'), max: new Date('2090-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, day, (a, b) => {
        const [birth, issued] = a <= b ? [a, b] : [b, a];
        const t = cardTerms(birth, issued);
        assert.ok(t.certificatesExpireOn <= t.cardExpiresOn);
        assert.ok(t.certificatesExpireOn > issued);
        assert.ok(ageOn(birth, issued) >= 0);
      }),
    );
  });
});
