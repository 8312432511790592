import { generateTown } from './generate-town.ts';
import type { SyntheticResident, TownOptions } from './types.ts';

/** Options shared by the demo tests. */
export const TOWN: TownOptions = {
  seed: 20250401,
  count: 10_000,
  municipalityCode: '102121',
  municipalityName: 'みどり市',
  prefecture: '群馬県',
  today: '2025-04-01',
};

const cache = new Map<string, SyntheticResident[]>();

/** A generated town, built once per option set for the whole test file. */
export function town(overrides: Partial<TownOptions> = {}): SyntheticResident[] {
  const options = { ...TOWN, ...overrides };
  const key = JSON.stringify(options);
  let residents = cache.get(key);
  if (residents === undefined) {
    residents = [...generateTown(options)];
    cache.set(key, residents);
  }
  return residents;
}

/** Whole years between two YYYY-MM-DD dates. */
export function yearsBetween(earlier: string, later: string): number {
  const a = Date.parse(earlier);
  const b = Date.parse(later);
  return (b - a) / (365.2425 * 86_400_000);
}

/** Residents by household, in order (Map.groupBy is not in Node 20). */
export function byHousehold(residents: readonly SyntheticResident[]): Map<string, SyntheticResident[]> {
  const out = new Map<string, SyntheticResident[]>();
  for (const r of residents) {
    const list = out.get(r.householdId);
    if (list === undefined) out.set(r.householdId, [r]);
    else list.push(r);
  }
  return out;
}
