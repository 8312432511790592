import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { RESIDENT_CSV_HEADER, residentsToCsv, type SyntheticResident } from './index.ts';
import { town } from './town.test-util.ts';

const COLUMNS = [
  'localId',
  'municipalityCode',
  'familyName',
  'givenName',
  'familyNameKana',
  'givenNameKana',
  'birthDate',
  'sex',
  'postalCode',
  'address',
  'nationality',
  'residenceStatus',
  'householdId',
  'relationship',
  'movedInDate',
] as const;

const BASE: SyntheticResident = {
  localId: '0000000001',
  municipalityCode: '102121',
  familyName: 'NGUYEN',
  givenName: 'VAN AN',
  birthDate: '1990-01-02',
  sex: 'male',
  address: '群馬県みどり市本町1丁目2番3号',
  nationality: 'VN',
  residenceStatus: '技術・人文知識・国際業務',
  householdId: 'H000000001',
  relationship: '世帯主',
};

const rows = (text: string): string[][] => parse(text, { relax_column_count: false }) as string[][];

describe('residentsToCsv', () => {
  it('starts with the header and ends every line with \\n', () => {
    const lines = [...residentsToCsv([BASE])];
    assert.equal(
      lines[0],
      'local_id,municipality_code,family_name,given_name,family_name_kana,given_name_kana,birth_date,sex,postal_code,address,nationality,residence_status,household_id,relationship,moved_in_date\n',
    );
    assert.equal(lines[0], `${RESIDENT_CSV_HEADER}\n`);
    assert.equal(lines.length, 2);
    for (const line of lines) assert.ok(line.endsWith('\n') && !line.endsWith('\r\n'));
  });

  it('leaves absent items empty', () => {
    const [, line] = [...residentsToCsv([BASE])];
    assert.equal(
      line,
      '0000000001,102121,NGUYEN,VAN AN,,,1990-01-02,male,,群馬県みどり市本町1丁目2番3号,VN,技術・人文知識・国際業務,H000000001,世帯主,\n',
    );
  });

  it('quotes a field holding a comma, quote or line break (RFC 4180)', () => {
    const odd = { ...BASE, address: '本町1,2', familyName: 'O"BRIEN', givenName: 'A\nB' };
    const [, line] = [...residentsToCsv([odd])];
    assert.ok(line?.includes(',"本町1,2",'));
    assert.ok(line?.includes(',"O""BRIEN",'));
    assert.ok(line?.includes(',"A\nB",'));
    assert.deepEqual(rows(line ?? '')[0]?.slice(2, 4), ['O"BRIEN', 'A\nB']);
  });

  it('round-trips any text through a standard CSV parser', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string(), (address, familyName) => {
        const text = [...residentsToCsv([{ ...BASE, address, familyName }])].join('');
        const [header, row] = rows(text);
        assert.equal(header?.length, 15);
        assert.equal(row?.[9], address);
        assert.equal(row?.[2], familyName);
      }),
    );
  });

  it('writes a generated town that parses back to the same residents', () => {
    const residents = town().slice(0, 3000);
    const [header, ...body] = rows([...residentsToCsv(residents)].join(''));
    assert.equal(header?.join(','), RESIDENT_CSV_HEADER);
    assert.equal(body.length, residents.length);
    body.forEach((row, i) => {
      const r = residents[i]!;
      COLUMNS.forEach((key, c) => {
        assert.equal(row[c], r[key] ?? '');
      });
    });
  });
});
