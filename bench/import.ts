import SQLite from 'better-sqlite3';
import { type Actor, jstDate } from '../src/core/index.ts';
import type { SyntheticResident } from '../src/demo/index.ts';
import { keyRingFromSecret } from '../src/keys/index.ts';
import { sealerKeys } from '../src/number/index.ts';
import { prepareImport } from '../src/registry/prepare-import.ts';
import { RESIDENT_COLUMNS as COLUMNS } from '../src/registry/registry-tables.ts';
import type { System } from '../src/server/index.ts';
import { fmt, line, time, timeAsync } from './lib.ts';

/**
 * The whole import path (CSV decoding, validation, normalisation, duplicate check,
 * number issuance, sealing, history and access records) against raw prepared inserts
 * of the same rows into a table of the same shape and indexes in the same database.
 */
export async function benchImport(
  system: System,
  town: readonly SyntheticResident[],
  csv: Buffer,
  batchSize?: number,
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
  raw.exec(`create table raw_resident (${COLUMNS.map((c) => (c === 'id' ? 'id text primary key' : `${c} ${c === 'version' ? 'integer' : 'text'}`)).join(', ')});
    create unique index raw_resident_code on raw_resident (resident_code);
    create unique index raw_local on raw_resident (municipality_code, local_id);
    create index raw_name on raw_resident (name_key, birth_date);
    create index raw_kana on raw_resident (kana_key, birth_date);`);
  // The very rows Myna writes to its resident table (ids, codes, normalised keys),
  // built before the clock starts: the baseline times the inserts alone.
  const keys = keyRingFromSecret(Buffer.alloc(32, 1), 'bench');
  const rows: unknown[][] = [];
  for (const batch of prepareImport(csv, {
    encoding: 'auto',
    municipalities: [town[0]!.municipalityCode],
    today: jstDate(system.clock.now()),
    at: new Date().toISOString(),
    batchSize: 50_000,
    actor: { id: 'system:bench', role: 'system', purpose: 'benchmark' },
    issue: {
      sealerKeys: sealerKeys(keys),
      codeKey: keys.derive('resident-code-permutation'),
      firstNumber: 0,
      firstCode: 0,
      reserved: town.length + 1,
    },
  })) {
    for (const e of batch.entries) rows.push(e.writes.resident);
  }
  const insert = raw.prepare(
    `insert into raw_resident (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`,
  );
  const { ms: rawMs } = time(() =>
    raw.transaction(() => {
      for (const r of rows) insert.run(r);
    })(),
  );
  rows.length = 0;
  raw.exec('drop table raw_resident');
  raw.close();
  const rawRate = town.length / (rawMs / 1000);

  const actor: Actor = { id: 'system:bench', role: 'system', purpose: 'benchmark' };
  let lastShown = 0;
  const { value: report, ms } = await timeAsync(() =>
    system.registry.import(csv, {
      actor,
      ...(batchSize === undefined ? {} : { batchSize }),
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
