import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeShiftJis } from '../src/registry/import-csv/encode-shift-jis.test-util.ts';

const dir = mkdtempSync(join(tmpdir(), 'myna-match-'));
// No DATABASE_URL and a data dir that must stay empty: `myna match` opens no database.
const dataDir = join(dir, 'data');
const env = { ...process.env, MYNA_DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' };

function myna(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/myna.mjs', ...args], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const HEADER =
  'local_id,municipality_code,family_name,given_name,family_name_kana,given_name_kana,birth_date,sex,address,household_id';

// Line numbers: the header is line 1, so the first resident is line 2.
const REGISTER = [
  HEADER,
  'R1,131016,髙橋,一郎,タカハシ,イチロウ,1975-01-01,1,東京都千代田区霞が関1-2-3,H1', // 2: kanji variant target
  'R2,131016,佐藤,花子,サトウ,ハナコ,1980-05-05,2,東京都千代田区丸の内1-1-1,H2', // 3: exact copy target
  'R3,131016,鈴木,一郎,スズキ,イチロウ,2010-04-01,1,東京都千代田区神田1-1-1,H3', // 4: twin
  'R4,131016,鈴木,二郎,スズキ,ジロウ,2010-04-01,1,東京都千代田区神田1-1-1,H3', // 5: twin
  'R5,131016,田中,太郎,タナカ,タロウ,1990-03-03,1,東京都千代田区一番町1-1,H4', // 6: moved here
  'R6,131016,山本,美咲,ヤマモト,ミサキ,1985-07-07,2,東京都千代田区麹町2-2-2,H5', // 7: reading typo target
  'R7,131016,中村,健,ナカムラ,ケン,1970-01-01,1,東京都千代田区九段南1-1-1,H6', // 8: namesake
  'R8,131016,中村,健,ナカムラ,ケン,1970-01-01,1,大阪府大阪市北区梅田3-1-1,H7', // 9: namesake
  'R9,131016,伊藤,誠,イトウ,マコト,1960-06-06,1,東京都千代田区三番町3-3,H8', // 10: father
  'R10,131016,伊藤,誠,イトウ,マコト,1990-06-06,1,東京都千代田区三番町3-3,H8', // 11: son, same name
].join('\n');

const RECORDS = [
  HEADER,
  'E1,131016,高橋,一郎,たかはし,いちろう,S50.1.1,男,東京都千代田区霞ヶ関一丁目2番3号,', // 2 → link 2
  'E2,131016,佐藤,花子,サトウ,ハナコ,1980-05-05,2,東京都千代田区丸の内1-1-1,H2', // 3 → link 3
  'E3,131016,鈴木,二郎,スズキ,ジロウ,2010-04-01,1,東京都千代田区神田1-1-1,', // 4 → link 5 (right twin)
  'E4,131016,田中,太郎,タナカ,タロウ,1990-03-03,1,東京都港区芝公園4-2-8,', // 5 → review (old address)
  'E5,131016,山本,美咲,ヤマモト,ミサコ,1985-07-07,2,東京都千代田区麹町2-2-2,', // 6 → review (reading typo)
  'E6,131016,中村,健,ナカムラ,ケン,1970-01-01,1,福岡県福岡市中央区天神1-1-1,', // 7 → review (namesakes only)
  'E7,131016,伊藤,誠,イトウ,マコト,1990-06-06,1,東京都千代田区三番町3-3,', // 8 → link 11 (the son)
  'E8,131016,小林,陽子,コバヤシ,ヨウコ,1999-09-09,2,東京都千代田区神田1-1-1,', // 9 → none (not in register)
  'E9,131016,小林,陽子,コバヤシ,ヨウコ,sometime,2,東京都千代田区神田1-1-1,', // 10 → invalid
  'E10,131016,小林,陽子', // 11 → invalid (field count)
  'E11,131016,中村,健,ナカムラ,ケン,1970-01-01,1,東京都千代田区九段南一丁目1番1号,', // 12 → link 8
  'E12,131016,鈴木,三郎,スズキ,サブロウ,2010-04-01,1,東京都千代田区神田1-1-1,', // 13 → review (household)
].join('\n');

function decisions(file: string): string[][] {
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(lines[0], 'record_line,decision,register_line,score,reasons');
  return lines.slice(1).map((l) => l.split(','));
}

function write(name: string, content: string | Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe('myna match (dry run of the link rule)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  const register = write('register.csv', REGISTER);
  const records = write('records.csv', RECORDS);

  it('decides each record: variants and exact copies link, moves, typos and namesakes go to review', () => {
    const out = join(dir, 'decisions.csv');
    const r = myna('match', '--register', register, '--records', records, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /12 records against 10 register rows: 5 link, 4 review, 3 none \(2 unreadable\)/);
    const rows = decisions(out);
    const by = new Map(rows.map((row) => [row[0], row]));
    const expect = (line: string, decision: string, target: string, reason: RegExp): void => {
      const row = by.get(line);
      assert.ok(row, `line ${line} has a decision`);
      assert.equal(row[1], decision, `line ${line}: ${row.join(',')}`);
      assert.equal(row[2], target, `line ${line}: ${row.join(',')}`);
      assert.match(row[4]!, reason, `line ${line}: ${row.join(',')}`);
    };
    expect('2', 'link', '2', /^four-items;reading-matches$/);
    expect('3', 'link', '3', /four-items/);
    expect('4', 'link', '5', /four-items/);
    expect('5', 'review', '', /address-differs/);
    expect('6', 'review', '', /reading-conflict/);
    expect('7', 'review', '', /address-differs/);
    expect('8', 'link', '11', /four-items/);
    expect('9', 'none', '', /^no-candidate$/);
    expect('10', 'none', '', /^invalid-record:DATE_FORMAT$/);
    expect('11', 'none', '', /^invalid-record:IMPORT_CSV_COLUMNS$/);
    expect('12', 'link', '8', /four-items/);
    expect('13', 'review', '', /same-household-other-person/);
    assert.equal(by.get('2')![3], '100');
    assert.equal(rows.length, 12);
    // No database was created.
    assert.throws(() => readFileSync(join(dataDir, 'myna.sqlite')));
  });

  it('reads Shift_JIS files as the import does, with the same decisions', () => {
    const out = join(dir, 'decisions-sjis.csv');
    const sjisRegister = write('register-sjis.csv', encodeShiftJis(REGISTER.replaceAll('\n', '\r\n')));
    const sjisRecords = write('records-sjis.csv', encodeShiftJis(RECORDS.replaceAll('\n', '\r\n')));
    const r = myna('match', '--register', sjisRegister, '--records', sjisRecords, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const utf8Out = join(dir, 'decisions-utf8.csv');
    assert.equal(myna('match', '--register', register, '--records', records, '--out', utf8Out).status, 0);
    assert.deepEqual(decisions(out), decisions(utf8Out));
  });

  it('refuses a missing file with exit 2 and MATCH_FILE_UNREADABLE', () => {
    const r = myna(
      'match',
      '--register',
      join(dir, 'nope.csv'),
      '--records',
      records,
      '--out',
      join(dir, 'x.csv'),
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^MATCH_FILE_UNREADABLE: Cannot read the register file/);
    const r2 = myna(
      'match',
      '--register',
      register,
      '--records',
      join(dir, 'nope.csv'),
      '--out',
      join(dir, 'x.csv'),
    );
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /MATCH_FILE_UNREADABLE: Cannot read the records file/);
  });

  it('refuses a header without the needed columns, and an empty file (exit 1, the import codes)', () => {
    const noDate = write('no-date.csv', 'municipality_code,family_name,sex,address\n131016,山田,1,東京都\n');
    const r = myna('match', '--register', register, '--records', noDate, '--out', join(dir, 'x.csv'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /IMPORT_CSV_HEADER: Records file/);
    assert.match(r.stderr, /IMPORT_CSV_HEADER_MISSING: Required column birth_date/);
    const empty = write('empty.csv', '\n\n');
    const r2 = myna('match', '--register', empty, '--records', records, '--out', join(dir, 'x.csv'));
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /IMPORT_CSV_EMPTY: Register file/);
  });

  it('refuses a register with unreadable rows unless told to skip them', () => {
    const bad = write(
      'bad-register.csv',
      `${REGISTER}\nR11,131016,木村,拓,キムラ,タク,1999-02-30,1,東京都,H9\n`,
    );
    const out = join(dir, 'bad.csv');
    const r = myna('match', '--register', bad, '--records', records, '--out', out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /MATCH_REGISTER_BAD_ROWS/);
    assert.match(r.stderr, /register line 12: DATE_IMPOSSIBLE/);
    assert.throws(() => readFileSync(out), 'nothing written');
    const skip = myna(
      'match',
      '--register',
      bad,
      '--records',
      records,
      '--out',
      out,
      '--skip-bad-register-rows',
    );
    assert.equal(skip.status, 0, skip.stderr);
    assert.match(skip.stderr, /Skipping 1 unreadable register row/);
    assert.equal(decisions(out).length, 12);
  });

  it('refuses an output it cannot write (exit 2, MATCH_OUTPUT_UNWRITABLE)', () => {
    const r = myna('match', '--register', register, '--records', records, '--out', dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /MATCH_OUTPUT_UNWRITABLE/);
  });

  it('never crashes on random records: one decision per record, in order', () => {
    const quote = (s: string): string => `"${s.replaceAll('"', '""')}"`;
    const text = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(
        '髙橋',
        '高橋',
        '一郎',
        'タカハシ',
        'S50.1.1',
        '1975-01-01',
        '1',
        '男',
        '東京都千代田区霞が関1-2-3',
      ),
    );
    const row = fc.tuple(text, text, text, text, text, text, text, text, text);
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 40 }), (rows) => {
        const lines = rows.map((cells) => ['131016', ...cells].map(quote).join(','));
        const csv = `municipality_code,family_name,given_name,family_name_kana,given_name_kana,birth_date,sex,address,household_id,local_id\n${lines.join('\n')}\n`;
        const file = write('random.csv', csv);
        const out = join(dir, 'random-decisions.csv');
        const r = myna('match', '--register', register, '--records', file, '--out', out);
        assert.equal(r.status, 0, r.stderr);
        const got = decisions(out);
        assert.equal(got.length, rows.length);
        let last = 0;
        for (const d of got) {
          assert.ok(['link', 'review', 'none'].includes(d[1]!), d.join(','));
          assert.ok(Number(d[0]) > last);
          last = Number(d[0]);
        }
      }),
      { numRuns: 8 },
    );
  });
});
