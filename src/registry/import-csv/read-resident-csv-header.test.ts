import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readResidentCsvHeader } from './index.ts';
import { collect, HEADER, rejectsWith, summary, utf8 } from './read-all.test-util.ts';

describe('readResidentCsv header and empty files', () => {
  it('rejects a header without required columns, listing each', async () => {
    const details = await rejectsWith(utf8('family_name,given_name\nA,B\n'), 'IMPORT_CSV_HEADER');
    assert.deepEqual(
      details.map((detail) => detail.code),
      Array(4).fill('IMPORT_CSV_HEADER_MISSING'),
    );
    assert.match(JSON.stringify(details), /municipality_code.*birth_date.*sex.*address/);
  });

  it('rejects an unknown and a duplicate column together', async () => {
    const header = `${HEADER},氏カナ,ふりがな氏,favourite_colour`;
    const details = await rejectsWith(utf8(`${header}\n`), 'IMPORT_CSV_HEADER');
    assert.deepEqual(
      details.map((detail) => [detail.at, detail.code]),
      [
        ['line 1, column 8', 'IMPORT_CSV_HEADER_DUPLICATE'],
        ['line 1, column 9', 'IMPORT_CSV_HEADER_UNKNOWN'],
      ],
    );
    assert.match(
      details[0]?.message ?? '',
      /"ふりがな氏" means family_name_kana, which column 7 already provides/,
    );
    assert.match(details[1]?.message ?? '', /"favourite_colour" is not a resident column/);
  });

  it('rejects a header with an empty column name', async () => {
    const details = await rejectsWith(utf8(`${HEADER},\n`), 'IMPORT_CSV_HEADER');
    assert.deepEqual(
      details.map((detail) => detail.code),
      ['IMPORT_CSV_HEADER_EMPTY'],
    );
  });

  it('rejects a header with broken quoting', async () => {
    const details = await rejectsWith(utf8(`"municipality_code,family_name\n`), 'IMPORT_CSV_HEADER');
    assert.deepEqual(
      details.map((detail) => detail.code),
      ['IMPORT_CSV_QUOTE'],
    );
  });

  it('matches headers case-insensitively after NFKC, ignoring surrounding spaces', async () => {
    const header =
      ' MUNICIPALITY_CODE ,\u3000氏\u3000,ＢＩＲＴＨ＿ＤＡＴＥ,性別,"住所 ",氏（カナ）,Given Name';
    const bytes = utf8(`${header}\n131016,A,2000-01-01,1,X,ｱ,B\n`);
    assert.deepEqual(readResidentCsvHeader(bytes).columns, [
      'municipality_code',
      'family_name',
      'birth_date',
      'sex',
      'address',
      'family_name_kana',
      'given_name',
    ]);
    assert.deepEqual(summary(await collect(bytes)), ['2:record']);
  });

  it('rejects an empty file, a BOM alone and blank lines alone', async () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array([0xef, 0xbb, 0xbf]), utf8('\r\n \n\n')]) {
      await rejectsWith(bytes, 'IMPORT_CSV_EMPTY');
      assert.throws(() => readResidentCsvHeader(bytes), { code: 'IMPORT_CSV_EMPTY' });
    }
  });

  it('accepts a header with no rows', async () => {
    assert.deepEqual(await collect(utf8(HEADER)), []);
  });
});
