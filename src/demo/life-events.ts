import { dayNumber, dayText, requireDay } from './day-table.ts';
import { invalidOption } from './errors.ts';
import { FAMILY_NAMES } from './family-names.ts';
import { createRng, type Rng } from './prng.ts';
import type { SyntheticLifeEvent, SyntheticResident } from './types.ts';

const YEAR = 365.2425;
const MOVE_SHARE = 0.05;
const NAME_CHANGE_SHARE = 0.01;
const DEATH_SHARE = 0.01;

/** Relative chance of dying in the coming year, by age: deaths are mostly of the very old. */
function deathWeight(age: number): number {
  if (age >= 90) return 30;
  if (age >= 80) return 10;
  if (age >= 70) return 3;
  if (age >= 60) return 1;
  if (age >= 40) return 0.25;
  return 0.03;
}

interface Known {
  readonly r: SyntheticResident;
  readonly age: number;
  /** First day an event may take effect: the day after birth and after moving in. */
  readonly from: number;
}

/**
 * A plausible year of events for a generated town, for the demo to replay: about 5% of
 * residents move within the municipality (whole households at once), about 1% change
 * family name at marriage (mostly women aged 20-45), and about 1% die (mostly the old).
 * Each resident gets at most one event, dated within the last year, after their birth
 * and move-in, and never after `today`. Events come sorted by date.
 *
 * @example
 * const events = lifeEventsFor(town, { seed: 1, today: '2025-04-01' });
 */
export function lifeEventsFor(
  residents: readonly SyntheticResident[],
  options: { seed: number; today: string },
): SyntheticLifeEvent[] {
  if (!Number.isInteger(options.seed)) throw invalidOption('seed', 'seed must be an integer');
  const today = requireDay(options.today, 'today');
  const rng = createRng(options.seed ^ 0x5bd1e995);
  const yearAgo = today - 365;
  const known: Known[] = [];
  for (const r of residents) {
    const birth = dayNumber(r.birthDate);
    if (birth === undefined || birth > today) continue;
    const movedIn = r.movedInDate === undefined ? birth : (dayNumber(r.movedInDate) ?? birth);
    const from = Math.max(birth, movedIn) + 1;
    if (from <= today) known.push({ r, age: (today - birth) / YEAR, from: Math.max(from, yearAgo) });
  }
  const out: SyntheticLifeEvent[] = [];
  const taken = new Set<string>();
  const when = (from: number): string => dayText(from + rng.int(today - from + 1));

  const totalWeight = known.reduce((a, k) => a + deathWeight(k.age), 0);
  const deathScale = (DEATH_SHARE * residents.length) / (totalWeight || 1);
  for (const k of known) {
    if (!rng.chance(deathWeight(k.age) * deathScale)) continue;
    taken.add(k.r.localId);
    out.push({ localId: k.r.localId, event: { kind: 'death', effectiveDate: when(k.from) } });
  }

  addMoves(rng, known, taken, out, when);

  const brides = known.filter(
    (k) => k.r.nationality === 'JP' && k.age >= 20 && k.age < 45 && !taken.has(k.r.localId),
  );
  const weightOf = (k: Known): number => (k.r.sex === 'female' ? 1 : 0.05);
  const brideWeight = brides.reduce((a, k) => a + weightOf(k), 0);
  const nameScale = (NAME_CHANGE_SHARE * residents.length) / (brideWeight || 1);
  for (const k of brides) {
    if (!rng.chance(weightOf(k) * nameScale)) continue;
    let name = FAMILY_NAMES[rng.int(FAMILY_NAMES.length)]!;
    while (name.kanji === k.r.familyName || name.variants.includes(k.r.familyName)) {
      name = FAMILY_NAMES[rng.int(FAMILY_NAMES.length)]!;
    }
    taken.add(k.r.localId);
    out.push({
      localId: k.r.localId,
      event: {
        kind: 'name-change',
        effectiveDate: when(k.from),
        changes: { familyName: name.kanji, familyNameKana: name.kana },
      },
    });
  }
  return out.sort((a, b) =>
    a.event.effectiveDate < b.event.effectiveDate
      ? -1
      : a.event.effectiveDate > b.event.effectiveDate
        ? 1
        : a.localId < b.localId
          ? -1
          : a.localId > b.localId
            ? 1
            : 0,
  );
}

/**
 * Moves whole households to another address in the same municipality. The new address
 * reuses the 町名 and 丁目 of some other household (so it is a real street of the town,
 * with its postal code) and draws a new 番 and 号.
 */
function addMoves(
  rng: Rng,
  known: readonly Known[],
  taken: Set<string>,
  out: SyntheticLifeEvent[],
  when: (from: number) => string,
): void {
  const streets = new Map<string, string | undefined>();
  const households = new Map<string, Known[]>();
  for (const k of known) {
    const at = k.r.address.indexOf('丁目');
    if (at > 0) streets.set(k.r.address.slice(0, at + 2), k.r.postalCode);
    const members = households.get(k.r.householdId);
    if (members === undefined) households.set(k.r.householdId, [k]);
    else members.push(k);
  }
  const streetList = [...streets];
  if (streetList.length === 0) return;
  for (const members of households.values()) {
    if (!rng.chance(MOVE_SHARE)) continue;
    const movers = members.filter((k) => !taken.has(k.r.localId));
    const first = movers[0];
    if (first === undefined) continue;
    const [street, postalCode] = streetList[rng.int(streetList.length)]!;
    let address = first.r.address;
    while (address === first.r.address) address = `${street}${rng.range(1, 28)}番${rng.range(1, 20)}号`;
    const from = Math.max(...movers.map((k) => k.from));
    const effectiveDate = when(from);
    const changes = postalCode === undefined ? { address } : { address, postalCode };
    for (const k of movers) {
      taken.add(k.r.localId);
      out.push({ localId: k.r.localId, event: { kind: 'move', effectiveDate, changes } });
    }
  }
}
