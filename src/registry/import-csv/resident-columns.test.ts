import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../core/index.ts';
import { RESIDENT_COLUMN_NAMES, RESIDENT_COLUMNS } from './index.ts';
import { mapHeader } from './map-header.ts';
import { HEADER_LOOKUP, normaliseHeader } from './resident-columns.ts';

describe('RESIDENT_COLUMNS', () => {
  it('lists the fifteen canonical columns, five of them required', () => {
    assert.equal(RESIDENT_COLUMN_NAMES.length, 15);
    assert.deepEqual(
      RESIDENT_COLUMN_NAMES.filter((column) => RESIDENT_COLUMNS[column].required),
      ['municipality_code', 'family_name', 'birth_date', 'sex', 'address'],
    );
  });

  it('gives every header and alias to exactly one column', () => {
    const names = RESIDENT_COLUMN_NAMES.flatMap((column) =>
      [RESIDENT_COLUMNS[column].header, ...RESIDENT_COLUMNS[column].aliases].map(normaliseHeader),
    );
    assert.equal(new Set(names).size, names.length, 'an alias is claimed by two columns');
    assert.equal(HEADER_LOOKUP.size, names.length);
    for (const column of RESIDENT_COLUMN_NAMES) {
      assert.equal(HEADER_LOOKUP.get(column), column);
    }
  });

  it('knows the Japanese headers municipal systems write', () => {
    const expected: Record<string, string> = {
      宛名番号: 'local_id',
      市区町村コード: 'municipality_code',
      氏: 'family_name',
      名: 'given_name',
      氏カナ: 'family_name_kana',
      '氏（カナ）': 'family_name_kana',
      ふりがな氏: 'family_name_kana',
      名カナ: 'given_name_kana',
      生年月日: 'birth_date',
      性別: 'sex',
      郵便番号: 'postal_code',
      住所: 'address',
      国籍等: 'nationality',
      在留資格: 'residence_status',
      世帯番号: 'household_id',
      続柄: 'relationship',
      住定日: 'moved_in_date',
      異動日: 'moved_in_date',
    };
    for (const [header, column] of Object.entries(expected)) {
      assert.equal(HEADER_LOOKUP.get(normaliseHeader(header)), column, header);
    }
  });

  it('normalises width, case, surrounding space and a BOM', () => {
    assert.equal(normaliseHeader('\uFEFF ＦＡＭＩＬＹ＿ＮＡＭＥ\u3000'), 'family_name');
    assert.equal(normaliseHeader('氏（カナ）'), normaliseHeader('氏(カナ)'));
    assert.equal(normaliseHeader('ｼﾒｲ'), 'シメイ');
  });
});

describe('mapHeader', () => {
  it('maps cells in file order', () => {
    assert.deepEqual(mapHeader(['住所', '性別', '生年月日', '氏', '市区町村コード'], 1), [
      'address',
      'sex',
      'birth_date',
      'family_name',
      'municipality_code',
    ]);
  });

  it('collects every problem into one IMPORT_CSV_HEADER error', () => {
    try {
      mapHeader(['氏', '姓', 'colour', ''], 3);
      assert.fail('expected a throw');
    } catch (error) {
      assert.ok(isAppError(error));
      assert.equal(error.code, 'IMPORT_CSV_HEADER');
      assert.equal(error.kind, 'invalid');
      assert.match(error.message, /line 3/);
      assert.deepEqual(
        error.details.map((detail) => detail.code),
        [
          'IMPORT_CSV_HEADER_DUPLICATE',
          'IMPORT_CSV_HEADER_UNKNOWN',
          'IMPORT_CSV_HEADER_EMPTY',
          'IMPORT_CSV_HEADER_MISSING',
          'IMPORT_CSV_HEADER_MISSING',
          'IMPORT_CSV_HEADER_MISSING',
          'IMPORT_CSV_HEADER_MISSING',
        ],
      );
    }
  });
});
