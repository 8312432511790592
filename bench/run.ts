/**
 * Myna benchmarks, one command: `npm run bench` (or `npm run bench -- --residents 100000`).
 * Every figure is printed as a ratio against a baseline measured in the same run on the
 * same machine, because this machine is shared and its absolute speed varies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fixedClock, jstDate } from '../src/core/index.ts';
import { generateTown, residentsToCsv } from '../src/demo/index.ts';
import { loadConfig, openSystem } from '../src/server/index.ts';
import { benchAuth } from './auth.ts';
import { benchCards } from './card.ts';
import { benchConfirm } from './confirm.ts';
import { benchImport } from './import.ts';
import { benchIssuance } from './issuance.ts';
import { benchLinking } from './linking.ts';
import { benchLookups } from './lookups.ts';

const { values } = parseArgs({
  options: {
    residents: { type: 'string', default: '1000000' },
    only: { type: 'string' },
    batch: { type: 'string' },
  },
});
const residents = Number(values.residents);
const only = values.only;

const dir = mkdtempSync(join(tmpdir(), 'myna-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
process.stdout.write(
  `Myna benchmarks — ${new Date().toISOString()} — node ${process.version}, ${residents.toLocaleString('en')} residents\n\n`,
);

if (only === undefined || only === 'issuance') await benchIssuance();
if (only === undefined || only === 'cards') await benchCards(dir);
if (only === undefined || only === 'auth') await benchAuth(dir);
if (only === undefined || only === 'confirm') await benchConfirm(dir, residents);
if (only === undefined || only === 'linking') await benchLinking({ residents: Math.min(residents, 200_000) });

if (only === undefined || only === 'import' || only === 'lookups') {
  const clock = fixedClock('2026-11-29T00:00:00Z');
  const system = await openSystem(loadConfig({ MYNA_DATA_DIR: dir, LOG_LEVEL: 'silent' }), clock);
  process.stderr.write(`generating ${residents.toLocaleString('en')} synthetic residents…\n`);
  const town = [
    ...generateTown({
      seed: 7,
      count: residents,
      municipalityCode: '132039',
      municipalityName: '武蔵野市',
      prefecture: '東京都',
      today: jstDate(clock.now()),
    }),
  ];
  const csv = Buffer.from([...residentsToCsv(town)].join(''));
  await benchImport(system, town, csv, values.batch === undefined ? undefined : Number(values.batch));
  if (only === undefined || only === 'lookups') await benchLookups(system, town);
  await system.close();
}
