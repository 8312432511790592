import SQLite from 'better-sqlite3';
import type { Actor } from '../src/core/index.ts';
import type { SyntheticResident } from '../src/demo/index.ts';
import type { System } from '../src/server/index.ts';
import { fmt, latencies, line, percentile } from './lib.ts';

/**
 * Lookups on the imported register, each through the real use case (a transaction that
 * also appends an access record), against a raw primary-key read of the same rows.
 */
export async function benchLookups(system: System, town: readonly SyntheticResident[]): Promise<void> {
  process.stdout.write(`## Lookups on a ${fmt(town.length)}-resident register (SQLite)\n`);
  const actor: Actor = { id: 'system:bench', role: 'system', purpose: 'benchmark' };
  const sample = Array.from({ length: 2000 }, (_, i) => town[(i * 7919) % town.length]!);
  const ids = await system.registry.idsByLocalId(
    sample[0]!.municipalityCode,
    sample.map((r) => r.localId),
  );
  const residentIds = sample.map((r) => ids.get(r.localId)!).filter(Boolean);
  const numbers: string[] = [];
  for (const id of residentIds) numbers.push(await system.registry.revealNumber(id, actor));

  const raw = new SQLite(system.config.sqlitePath, { readonly: true });
  const byId = raw.prepare('select * from resident where id = ?');
  const rawLat = await latencies(20_000, 2000, (i) => byId.get(residentIds[i % residentIds.length]));
  raw.close();
  const rawP50 = percentile(rawLat, 50);
  line(
    'raw primary-key read (baseline) p50 / p99',
    `${fmt(rawP50, 1)} / ${fmt(percentile(rawLat, 99), 1)} µs`,
  );

  const n = Math.min(5000, numbers.length * 2);
  const byNumber = await latencies(n, 200, (i) =>
    system.registry.search({ number: numbers[i % numbers.length]! }, actor),
  );
  line(
    'search by number (blind index) p50 / p99',
    `${fmt(percentile(byNumber, 50))} / ${fmt(percentile(byNumber, 99))} µs`,
    {
      value: percentile(byNumber, 50) / rawP50,
      against: 'raw read (p50, ×)',
    },
  );
  const byName = await latencies(n, 200, (i) => {
    const r = sample[i % sample.length]!;
    return system.registry.search(
      { name: `${r.familyName} ${r.givenName ?? ''}`, birthDate: r.birthDate },
      actor,
    );
  });
  line(
    'search by name + birth date p50 / p99',
    `${fmt(percentile(byName, 50))} / ${fmt(percentile(byName, 99))} µs`,
    {
      value: percentile(byName, 50) / rawP50,
      against: 'raw read (p50, ×)',
    },
  );
  process.stdout.write('  (each search also writes its access record in the same transaction)\n\n');
}
