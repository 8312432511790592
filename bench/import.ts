import { randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import type { Actor } from '../src/core/index.ts';
import type { SyntheticResident } from '../src/demo/index.ts';
import type { System } from '../src/server/index.ts';
import { fmt, line, time, timeAsync } from './lib.ts';

const COLUMNS = [
  'id',
  'municipality_code',
  'status',
  'resident_code',
  'local_id',
  'family_name',
  'given_name',
  'family_name_kana',
  'given_name_kana',
  'birth_date',
  'sex',
  'postal_code',
  'address',
  'nationality',
  'residence_status',
  'household_id',
  'relationship',
  'name_key',
  'kana_key',
  'address_key',
  'registered_at',
  'updated_at',
  'version',
];

/**
 * The whole import path (CSV decoding, validation, normalisation, duplicate check,
 * number issuance, sealing, history and access records) against raw prepared inserts
 * of the same rows into a table of the same shape and indexes in the same database.
 */
export async function benchImport(
  system: System,
  town: readonly SyntheticResident[],
  csv: Buffer,
): Promise<void> {
  process.stdout.write(`## Import of ${fmt(town.length)} residents (SQLite)\n`);
  const raw = new SQLite(system.config.sqlitePath);
  // The same settings as Myna's own connection (store/database.ts), for a fair baseline.
  for (const p of [
    'journal_mode = WAL',
    'synchronous = NORMAL',
    'cache_size = -262144',
    'mmap_size = 1073741824',
    'wal_autocheckpoint = 10000',
  ])
    raw.pragma(p);
  raw.exec(`create table raw_resident (${COLUMNS.map((c) => (c === 'id' ? 'id text primary key' : `${c} text`)).join(', ')});
    create unique index raw_resident_code on raw_resident (resident_code);
    create unique index raw_local on raw_resident (municipality_code, local_id);
    create index raw_name on raw_resident (name_key, birth_date);
    create index raw_kana on raw_resident (kana_key, birth_date);
    create index raw_household on raw_resident (household_id);`);
  const insert = raw.prepare(
    `insert into raw_resident (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`,
  );
  const now = new Date().toISOString();
  const { ms: rawMs } = time(() =>
    raw.transaction(() => {
      let i = 0;
      for (const r of town) {
        insert.run(
          randomUUID(),
          r.municipalityCode,
          'active',
          String(i++).padStart(11, '0'),
          r.localId,
          r.familyName,
          r.givenName ?? null,
          r.familyNameKana ?? null,
          r.givenNameKana ?? null,
          r.birthDate,
          r.sex,
          r.postalCode ?? null,
          r.address,
          r.nationality,
          r.residenceStatus ?? null,
          r.householdId,
          r.relationship,
          r.familyName + (r.givenName ?? ''),
          (r.familyNameKana ?? '') + (r.givenNameKana ?? ''),
          r.address,
          now,
          now,
          1,
        );
      }
    })(),
  );
  raw.exec('drop table raw_resident');
  raw.close();
  const rawRate = town.length / (rawMs / 1000);

  const actor: Actor = { id: 'system:bench', role: 'system', purpose: 'benchmark' };
  let lastShown = 0;
  const { value: report, ms } = await timeAsync(() =>
    system.registry.import(csv, {
      actor,
      onProgress: (done, total) => {
        if (done - lastShown >= 250_000 || done === total) {
          lastShown = done;
          process.stderr.write(`  imported ${fmt(done)} / ${fmt(total)}\n`);
        }
      },
    }),
  );
  const rate = report.rows / (ms / 1000);
  line('raw prepared inserts (baseline)', `${fmt(rawRate)} rows/s`);
  line('myna import residents', `${fmt(rate)} rows/s`, {
    value: rate / rawRate,
    against: 'raw inserts',
    goal: '≥ 0.30',
  });
  line('  wall time', `${(ms / 1000).toFixed(1)} s`, {
    value: (ms / 1000 / 30) * (1_000_000 / town.length),
    against: '30 s per million',
    goal: '≤ 1.00',
  });
  line(
    '  registered / held for review / rejected',
    `${fmt(report.registered)} / ${fmt(report.queuedForReview)} / ${fmt(report.errors.length)}`,
  );
  process.stdout.write('\n');
}
