import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeShiftJis } from './encode-shift-jis.test-util.ts';
import type { CsvRecord, CsvRowError } from './index.ts';
import { readResidentCsvHeader } from './index.ts';
import { collect, HEADER, readAll, summary, utf8 } from './read-all.test-util.ts';

describe('readResidentCsv', () => {
  it('reads a UTF-8 file, trimming values and omitting empty ones', async () => {
    const items = await collect(
      utf8(`${HEADER}\n131016, Sato ,,1980-01-02,1,Tokyo\n131016,Kim,Minjun,1990-12-31,2,Osaka\n`),
    );
    assert.deepEqual(items, [
      {
        kind: 'record',
        line: 2,
        fields: {
          municipality_code: '131016',
          family_name: 'Sato',
          birth_date: '1980-01-02',
          sex: '1',
          address: 'Tokyo',
        },
      },
      {
        kind: 'record',
        line: 3,
        fields: {
          municipality_code: '131016',
          family_name: 'Kim',
          given_name: 'Minjun',
          birth_date: '1990-12-31',
          sex: '2',
          address: 'Osaka',
        },
      },
    ]);
  });

  it('strips a UTF-8 BOM so the first header still matches', async () => {
    const bytes = utf8(`\uFEFF市区町村コード,氏,生年月日,性別,住所\n131016,佐藤,1980-01-02,1,東京\n`);
    assert.equal(bytes[0], 0xef);
    const items = await collect(bytes);
    assert.deepEqual(summary(items), ['2:record']);
    assert.equal((items[0] as CsvRecord).fields.municipality_code, '131016');
    assert.equal(readResidentCsvHeader(bytes).encoding, 'utf-8');
  });

  it('reads a Shift_JIS file with Japanese headers, variant kanji and half-width kana', async () => {
    const text =
      '宛名番号,市区町村コード,氏,名,氏（カナ）,名カナ,生年月日,性別,住所,国籍等\r\n' +
      '0001,131016,髙橋,一郎,ﾀｶﾊｼ,ｲﾁﾛｳ,1980-01-02,1,東京都千代田区千代田１－１,JP\r\n' +
      '0002,131016,渡邉,花子,ﾜﾀﾅﾍﾞ,ﾊﾅｺ,1990-03-04,2,大阪府大阪市北区,\r\n';
    const bytes = encodeShiftJis(text);
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    const header = readResidentCsvHeader(bytes);
    assert.equal(header.encoding, 'shift_jis');
    assert.deepEqual(header.columns, [
      'local_id',
      'municipality_code',
      'family_name',
      'given_name',
      'family_name_kana',
      'given_name_kana',
      'birth_date',
      'sex',
      'address',
      'nationality',
    ]);
    const items = await collect(bytes);
    assert.deepEqual(items, [
      {
        kind: 'record',
        line: 2,
        fields: {
          local_id: '0001',
          municipality_code: '131016',
          family_name: '髙橋',
          given_name: '一郎',
          family_name_kana: 'ﾀｶﾊｼ',
          given_name_kana: 'ｲﾁﾛｳ',
          birth_date: '1980-01-02',
          sex: '1',
          address: '東京都千代田区千代田１－１',
          nationality: 'JP',
        },
      },
      {
        kind: 'record',
        line: 3,
        fields: {
          local_id: '0002',
          municipality_code: '131016',
          family_name: '渡邉',
          given_name: '花子',
          family_name_kana: 'ﾜﾀﾅﾍﾞ',
          given_name_kana: 'ﾊﾅｺ',
          birth_date: '1990-03-04',
          sex: '2',
          address: '大阪府大阪市北区',
        },
      },
    ]);
    // Forcing the wrong encoding shows every Japanese line as an encoding problem.
    await assert.rejects(collect(bytes, { encoding: 'utf-8' }), { code: 'IMPORT_CSV_HEADER' });
  });

  it('handles CRLF, blank lines, rows of empty cells and a last line without a newline', async () => {
    const text = `${HEADER}\r\n\r\n131016,A,,2000-01-01,1,X\r\n   \r\n,,,,,\r\n131016,B,,2000-01-01,2,Y`;
    const items = await collect(utf8(text));
    assert.deepEqual(summary(items), ['3:record', '6:record']);
    assert.equal((items[1] as CsvRecord).fields.address, 'Y');
    assert.equal((items[0] as CsvRecord).fields.address, 'X');
  });

  it('reads quoted commas, doubled quotes and newlines, and keeps later line numbers right', async () => {
    const text =
      `${HEADER}\n` +
      '131016,"Sato, Jr.",,1980-01-02,1,"1-1 ""Tower""\nRoom 5\r\nBack"\n' +
      '131016,B,,1980-01-02,2, "quoted after a space" \n' +
      '131016,C,,1980-01-02,2,plain\n';
    const items = await collect(utf8(text));
    assert.deepEqual(summary(items), ['2:record', '5:record', '6:record']);
    assert.equal((items[0] as CsvRecord).fields.family_name, 'Sato, Jr.');
    assert.equal((items[0] as CsvRecord).fields.address, '1-1 "Tower"\nRoom 5\r\nBack');
    assert.equal((items[1] as CsvRecord).fields.address, 'quoted after a space');
  });

  it('pins one corrupted Shift_JIS sequence to its line and still reads the others', async () => {
    const lines = [
      '市区町村コード,氏,名,生年月日,性別,住所',
      '131016,髙橋,一郎,1980-01-02,1,東京',
      '131016,渡邉,花子,1990-03-04,2,大阪',
      '131016,斎藤,次郎,1985-05-06,1,京都',
      '131016,鈴木,三郎,1975-07-08,1,札幌',
    ];
    const bytes = encodeShiftJis(`${lines.join('\r\n')}\r\n`);
    // Replace the trail byte of 渡 (line 3) with a comma: a lead byte with no valid trail.
    const corrupt = Uint8Array.from(bytes);
    const at = indexOfBytes(corrupt, encodeShiftJis('渡'));
    corrupt[at + 1] = 0x2c;
    const items = await collect(corrupt, { encoding: 'shift_jis' });
    assert.deepEqual(summary(items), ['2:record', '3:IMPORT_CSV_ENCODING', '4:record', '5:record']);
    assert.match((items[1] as CsvRowError).message, /Line 3 .*Shift_JIS/);
    // Auto-detection still says Shift_JIS: the rest of the file is not UTF-8.
    assert.deepEqual(summary(await collect(corrupt)), summary(items));
  });

  it('pins invalid bytes in a UTF-8 file to their line', async () => {
    const good = utf8(`${HEADER}\n131016,A,,2000-01-01,1,X\n131016,B,,2000-01-01,1,Y\n`);
    const bad = new Uint8Array([...good.subarray(0, good.length - 2), 0xff, 0x0a]);
    assert.deepEqual(summary(await collect(bad, { encoding: 'utf-8' })), [
      '2:record',
      '3:IMPORT_CSV_ENCODING',
    ]);
  });

  it('reports a row with the wrong number of fields and goes on', async () => {
    const text = `${HEADER}\n131016,A,,2000-01-01,1\n131016,B,,2000-01-01,1,X,extra\n131016,C,,2000-01-01,1,Z\n`;
    const items = await collect(utf8(text));
    assert.deepEqual(summary(items), ['2:IMPORT_CSV_COLUMNS', '3:IMPORT_CSV_COLUMNS', '4:record']);
    assert.match((items[0] as CsvRowError).message, /Line 2 has 5 fields but the header has 6/);
  });

  it('resynchronises at the next line after an unclosed quote in the middle', async () => {
    const text =
      `${HEADER}\n` +
      '131016,A,,2000-01-01,1,X\n' +
      '131016,"B,,2000-01-01,1,Y\n' +
      '131016,C,,2000-01-01,1,Z\n' +
      '131016,D,,2000-01-01,1,"W"\n' +
      '131016,E,,2000-01-01,1,V\n';
    const items = await collect(utf8(text));
    assert.deepEqual(summary(items), ['2:record', '3:IMPORT_CSV_QUOTE', '4:record', '5:record', '6:record']);
    assert.equal((items[3] as CsvRecord).fields.family_name, 'D');
  });

  it('reports an unclosed quote at the end of the file without losing earlier rows', async () => {
    const text = `${HEADER}\n131016,A,,2000-01-01,1,X\n131016,B,,2000-01-01,1,"Y\n131016,C,,2000-01-01,1,Z\n`;
    assert.deepEqual(summary(await collect(utf8(text))), ['2:record', '3:IMPORT_CSV_QUOTE', '4:record']);
  });

  it('gives up on a quoted value that runs across lines past the length limit', async () => {
    const filler = Array.from({ length: 20 }, (_, i) => `131016,F${i},,2000-01-01,1,X`).join('\n');
    const text = `${HEADER}\n131016,"A,,2000-01-01,1,X\n${filler}\n131016,G,,2000-01-01,1,"Y"\n`;
    const items = await collect(utf8(text), { maxFieldLength: 64 });
    assert.equal(items[0]?.kind, 'error');
    assert.equal((items[0] as CsvRowError).code, 'IMPORT_CSV_QUOTE');
    assert.equal(items.filter((item) => item.kind === 'record').length, 21);
    assert.equal(items.at(-1)?.line, 23);
  });

  it('reports text after a closing quote and a quote inside an unquoted value', async () => {
    const text = `${HEADER}\n131016,"A"x,,2000-01-01,1,X\n131016,B"b,,2000-01-01,1,X\n131016,C,,2000-01-01,1,X\n`;
    const items = await collect(utf8(text));
    assert.deepEqual(summary(items), ['2:IMPORT_CSV_QUOTE', '3:IMPORT_CSV_QUOTE', '4:record']);
    assert.match((items[0] as CsvRowError).message, /field 2 has text after its closing double quote/);
    assert.match((items[1] as CsvRowError).message, /field 2 contains a double quote but is not enclosed/);
  });

  it('reports a field longer than maxFieldLength', async () => {
    const text = `${HEADER}\n131016,${'長'.repeat(11)},,2000-01-01,1,X\n131016,${'長'.repeat(10)},,2000-01-01,1,X\n`;
    const items = await collect(utf8(text), { maxFieldLength: 10 });
    assert.deepEqual(summary(items), ['2:IMPORT_CSV_FIELD_TOO_LONG', '3:record']);
    assert.match(
      (items[0] as CsvRowError).message,
      /family_name value is 11 characters long; the limit is 10/,
    );
  });

  it('allows blank lines before the header and numbers lines physically', async () => {
    const items = await collect(utf8(`\n\n${HEADER}\n131016,A,,2000-01-01,1,X\n`));
    assert.deepEqual(summary(items), ['4:record']);
  });

  it('gives the same items with any chunk size', () => {
    const text = `${HEADER}\n131016,"A\nB",,2000-01-01,1,"X""Y"\n131016,"C,,2000-01-01,1,X\n131016,D,,2000-01-01,1,Z`;
    const expected = readAll(utf8(text));
    assert.deepEqual(summary(expected), ['2:record', '4:IMPORT_CSV_QUOTE', '5:record']);
    for (const size of [1, 2, 5, 17, 40]) assert.deepEqual(readAll(utf8(text), {}, size), expected);
  });
});

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error('needle not found');
}
