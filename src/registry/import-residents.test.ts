import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clerk, createTestRegistry, type TestRegistry } from '../../test/support/registry.ts';
import { dialects } from '../../test/support/stores.ts';
import { listAccessRecords } from '../audit/index.ts';
import { encodeShiftJis } from './import-csv/encode-shift-jis.test-util.ts';

const HEADER =
  'local_id,municipality_code,family_name,given_name,family_name_kana,given_name_kana,birth_date,sex,postal_code,address';
const good = [
  'L-1,131016,佐藤,太郎,サトウ,タロウ,1970-01-15,1,1000001,東京都千代田区千代田1-1',
  'L-2,131016,佐藤,花子,サトウ,ハナコ,1972-06-30,2,1000001,東京都千代田区千代田1-1',
  'L-3,131016,NGUYEN,VAN AN,グエン,バンアン,1995-11-02,male,1000005,"東京都千代田区丸の内1丁目1番1号, 101"',
];

for (const { dialect, skip } of await dialects()) {
  describe(`CSV import on ${dialect}`, { skip }, () => {
    let t: TestRegistry;
    before(async () => {
      t = await createTestRegistry(dialect);
    });
    after(() => t?.dispose());

    it('imports good rows and reports each bad row by line and reason, writing none of them', async () => {
      const csv = [
        HEADER,
        good[0],
        'L-4,131016,鈴木,一郎,スズキ,イチロウ,2023-02-30,1,,東京都千代田区1-2', // line 3: impossible date
        good[1],
        'L-5,131016,,二郎,スズキ,ジロウ,1990-01-01,1,,東京都千代田区1-3', // line 5: empty name
        'L-6,999990,田中,三郎,タナカ,サブロウ,1990-01-01,1,,どこか', // line 6: bad municipality
        'L-7,131016,田中,四郎', // line 7: too few columns
        good[2],
      ].join('\r\n');
      const progress: number[] = [];
      const report = await t.registry.import(Buffer.from(csv), {
        actor: clerk,
        batchSize: 2,
        onProgress: (done) => progress.push(done),
      });
      assert.equal(report.rows, 7);
      assert.equal(report.registered, 3);
      assert.deepEqual(
        report.errors.map((e) => [e.line, e.code]),
        [
          [3, 'DATE_IMPOSSIBLE'],
          [5, 'NAME_EMPTY'],
          [6, 'MUNICIPALITY_CODE_INVALID'],
          [7, 'IMPORT_CSV_COLUMNS'],
        ],
      );
      assert.deepEqual(await t.registry.count(), { active: 3, deceased: 0 });
      assert.equal(progress.at(-1), 7, 'progress was reported');
      const ids = await t.registry.idsByLocalId('131016', ['L-1', 'L-2', 'L-3', 'L-4']);
      assert.deepEqual([...ids.keys()].sort(), ['L-1', 'L-2', 'L-3']);
      const foreign = await t.registry.get(ids.get('L-3')!, clerk);
      assert.equal(foreign.address, '東京都千代田区丸の内1丁目1番1号, 101');
      assert.equal(
        (await listAccessRecords(t.store.db, { residentId: ids.get('L-1')!, limit: 5 }))[0]?.action,
        'create',
      );
      assert.match(await t.registry.revealNumber(ids.get('L-2')!, clerk), /^\d{12}$/);
    });

    it('prepares rows on a worker thread with the same outcome', async () => {
      const csv = [
        HEADER,
        ...Array.from(
          { length: 30 },
          (_, i) =>
            `P-${i},131016,並木,${'一二三四五六七八九十'[i % 10]}${i},ナミキ,,19${50 + i}-03-0${1 + (i % 9)},${1 + (i % 2)},,東京都千代田区平河町${i}`,
        ),
        'P-x,131016,並木,壱,ナミキ,イチ,1950-02-30,1,,東京都',
      ].join('\n');
      const report = await t.registry.import(Buffer.from(csv), {
        actor: clerk,
        parallel: true,
        batchSize: 7,
      });
      assert.deepEqual([report.rows, report.registered, report.rejected], [31, 30, 1]);
      assert.deepEqual(
        report.errors.map((e) => [e.line, e.code]),
        [[32, 'DATE_IMPOSSIBLE']],
      );
      const ids = await t.registry.idsByLocalId('131016', ['P-0', 'P-29']);
      const number = await t.registry.revealNumber(ids.get('P-29')!, clerk);
      assert.deepEqual(
        (await t.registry.search({ number }, clerk)).residents.map((r) => r.id),
        [ids.get('P-29')],
      );
      assert.match((await t.registry.get(ids.get('P-0')!, clerk)).residentCode, /^\d{11}$/);
    });

    it('importing the same file again registers nobody twice', async () => {
      const before = await t.registry.count();
      const report = await t.registry.import(Buffer.from([HEADER, ...good].join('\n')), { actor: clerk });
      assert.equal(report.registered, 0);
      assert.deepEqual(
        report.errors.map((e) => e.code),
        ['REGISTRY_LOCAL_ID_TAKEN', 'REGISTRY_LOCAL_ID_TAKEN', 'REGISTRY_LOCAL_ID_TAKEN'],
      );
      assert.deepEqual(await t.registry.count(), before);
    });

    it('sends a likely duplicate without 宛名番号 to review instead of registering it', async () => {
      const report = await t.registry.import(
        Buffer.from(`${HEADER}\n,131016,佐藤,太郎,ｻﾄｳ,ﾀﾛｳ,S45.1.15,男,,東京都千代田区千代田一丁目1番\n`),
        { actor: clerk },
      );
      assert.deepEqual([report.registered, report.queuedForReview], [0, 1]);
    });

    it('reads Shift_JIS with Japanese headers, and reports a line with broken bytes', async () => {
      const text = [
        '宛名番号,市区町村コード,氏,名,氏カナ,名カナ,生年月日,性別,住所',
        'S-1,131016,髙橋,健太,ﾀｶﾊｼ,ｹﾝﾀ,平成2年4月1日,男,東京都千代田区神田1-1',
        'S-2,131016,渡邉,結衣,ワタナベ,ユイ,2001/12/24,女,東京都千代田区神田1-2',
        'S-3,131016,齋藤,翔,サイトウ,ショウ,2005-05-05,1,東京都千代田区神田1-3',
      ].join('\r\n');
      const bytes = Buffer.from(encodeShiftJis(text));
      // Break line 3: a lead byte followed by a byte that can never trail it.
      const at = bytes.indexOf(Buffer.from(encodeShiftJis('渡邉')));
      bytes[at] = 0x81;
      bytes[at + 1] = 0x7f;
      const report = await t.registry.import(bytes, { actor: clerk });
      assert.equal(report.registered, 2);
      assert.deepEqual(
        report.errors.map((e) => [e.line, e.code]),
        [[3, 'IMPORT_CSV_ENCODING']],
      );
      const found = await t.registry.search({ name: '高橋健太', birthDate: '1990-04-01' }, clerk);
      assert.equal(found.residents[0]?.familyNameKana, 'タカハシ');
    });

    it('a dry run checks everything and writes nothing', async () => {
      const before = await t.registry.count();
      const report = await t.registry.import(
        Buffer.from(`${HEADER}\nD-1,131016,森,一,モリ,ハジメ,1999-09-09,1,,東京都千代田区1\n`),
        { actor: clerk, dryRun: true },
      );
      assert.deepEqual(
        [report.rows, report.registered, report.errors.length, report.dryRun],
        [1, 0, 0, true],
      );
      assert.deepEqual(await t.registry.count(), before);
    });

    it('refuses a file without the required columns before writing anything', async () => {
      await assert.rejects(
        t.registry.import(Buffer.from('family_name,address\n佐藤,東京\n'), { actor: clerk }),
        { code: 'IMPORT_CSV_HEADER' },
      );
      await assert.rejects(t.registry.import(Buffer.alloc(0), { actor: clerk }), {
        code: 'IMPORT_CSV_EMPTY',
      });
    });
  });
}
