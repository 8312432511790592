import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '../core/index.ts';
import {
  decodeBirthDate,
  encodeBirthDate,
  type Holder,
  holderAltNames,
  holderFromAltNames,
  validateHolder,
} from './holder.ts';
import { certificateHolder } from './read-certificate.ts';

const isoDate = fc
  .date({ min: new Date('1868-01-25T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe('birth date with era digit', () => {
  it('switches era on the first day of each era', () => {
    const cases: [string, string][] = [
      ['1912-07-29', '119120729'],
      ['1912-07-30', '219120730'],
      ['1926-12-24', '219261224'],
      ['1926-12-25', '319261225'],
      ['1989-01-07', '319890107'],
      ['1989-01-08', '419890108'],
      ['2019-04-30', '420190430'],
      ['2019-05-01', '520190501'],
      ['1980-02-29', '319800229'],
      ['1868-01-25', '118680125'],
    ];
    for (const [iso, encoded] of cases) {
      assert.equal(encodeBirthDate(iso), encoded, iso);
      assert.equal(decodeBirthDate(encoded), iso, encoded);
    }
  });

  it('rejects impossible dates, dates before 明治 and a wrong era digit', () => {
    for (const bad of ['1981-02-29', '2026-13-01', '1868-01-24', '20260101', '']) {
      assert.equal(encodeBirthDate(bad), undefined, bad);
    }
    assert.equal(decodeBirthDate('419800229'), undefined, '1980 is 昭和, not 平成');
    assert.equal(decodeBirthDate('3198002290'), undefined);
  });

  it('round-trips every date (property)', () => {
    fc.assert(fc.property(isoDate, (iso) => decodeBirthDate(encodeBirthDate(iso)!) === iso));
  });

  it('never throws on arbitrary text, and only decodes what it would encode (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9]{9}$/)), (text) => {
        const iso = decodeBirthDate(text);
        return iso === undefined || encodeBirthDate(iso) === text;
      }),
    );
  });
});

const text = (max: number) =>
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: max })
    .filter((s) => s.trim().length > 0 && s.trim() === s && !/\p{Cc}/u.test(s) && s.length <= max);
const holders: fc.Arbitrary<Holder> = fc.record({
  name: text(40),
  birthDate: isoDate.filter((d) => d <= '2026-03-01'),
  sex: fc.constantFrom('male', 'female', 'unspecified'),
  address: text(80),
});

describe('holder items in subjectAltName', () => {
  it('round-trips the 4 basic items (property)', () => {
    fc.assert(
      fc.property(holders, (h) => {
        validateHolder(h, '2026-03-01');
        assert.deepEqual(holderFromAltNames(holderAltNames(h)), { ...h });
      }),
    );
  });

  it('never throws on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const h = holderFromAltNames(bytes);
        return h === undefined || typeof h.name === 'string';
      }),
    );
  });

  it('reads nothing from a damaged extension instead of half an answer (property)', () => {
    const good = holderAltNames({
      name: '山田 花子',
      birthDate: '2001-04-01',
      sex: 'female',
      address: '大阪府大阪市北区1-1',
    });
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const bytes = good.slice();
        bytes[at] = bytes[at]! ^ flip;
        const h = holderFromAltNames(bytes);
        return (
          h === undefined ||
          (h.name.length > 0 &&
            h.address.length > 0 &&
            decodeBirthDate(encodeBirthDate(h.birthDate)!) === h.birthDate)
        );
      }),
    );
  });

  it('validates the items', () => {
    const ok: Holder = { name: '山田 花子', birthDate: '2001-04-01', sex: 'female', address: '大阪府' };
    validateHolder(ok, '2026-03-01');
    const bad: Holder[] = [
      { ...ok, name: '  ' },
      { ...ok, name: 'a\u0000b' },
      { ...ok, address: '' },
      { ...ok, address: 'x'.repeat(401) },
      { ...ok, birthDate: '2026-03-02' },
      { ...ok, birthDate: '01-04-2001' },
      { ...ok, sex: 'other' as Holder['sex'] },
    ];
    for (const h of bad) {
      assert.throws(
        () => validateHolder(h, '2026-03-01'),
        (e) => isAppError(e) && e.code === 'PKI_PROFILE',
        JSON.stringify(h),
      );
    }
  });

  it('certificateHolder fails with PKI_CERTIFICATE_MALFORMED on bytes that are no certificate (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          certificateHolder(bytes);
          return true;
        } catch (e) {
          return isAppError(e) && e.code === 'PKI_CERTIFICATE_MALFORMED';
        }
      }),
    );
  });
});
