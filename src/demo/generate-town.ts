import { buildDayTable, requireDay } from './day-table.ts';
import { invalidOption } from './errors.ts';
import { FAMILY_NAMES } from './family-names.ts';
import { NATIONALITIES } from './foreign-names.ts';
import { FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, namesByYear } from './given-names.ts';
import { type HouseholdPlan, MAX_AGE, type MemberPlan, planHousehold } from './household-plans.ts';
import { createRng, type Rng, scramble } from './prng.ts';
import { SeenFilter } from './seen-filter.ts';
import { buildingSuffix, planTowns } from './towns.ts';
import type { SyntheticResident, TownOptions } from './types.ts';
import { weightedPicker } from './weighted.ts';

const DAYS_PER_YEAR = 365.2425;
// Name keys: Japanese family names 0-127, foreign ones from 1024; given names likewise.
const FOREIGN_KEY = 1024;
const FEMALE_KEY = 512;
const REDRAWS = 8;
const pickFamily = weightedPicker(FAMILY_NAMES.map((f) => f.weight));

interface Surname {
  readonly text: string;
  readonly kana: string;
  /** Identity of the name whatever its spelling, for duplicate detection. */
  readonly key: number;
}

function checkOptions(o: TownOptions): void {
  if (!Number.isInteger(o.seed)) throw invalidOption('seed', 'seed must be an integer');
  if (!Number.isSafeInteger(o.count) || o.count < 0)
    throw invalidOption('count', 'count must be a whole number ≥ 0');
  if (typeof o.municipalityCode !== 'string' || !/^\d{6}$/.test(o.municipalityCode)) {
    throw invalidOption('municipalityCode', 'municipalityCode must be 6 digits');
  }
  if (typeof o.municipalityName !== 'string' || o.municipalityName === '') {
    throw invalidOption('municipalityName', 'municipalityName must not be empty');
  }
  if (typeof o.prefecture !== 'string' || o.prefecture === '') {
    throw invalidOption('prefecture', 'prefecture must not be empty');
  }
}

function japaneseSurname(rng: Rng): Surname {
  const i = pickFamily(rng);
  const f = FAMILY_NAMES[i]!;
  // A quarter of the households of a name with variants write it the old way (髙橋, 渡邉…).
  const text = f.variants.length > 0 && rng.chance(0.25) ? f.variants[rng.int(f.variants.length)]! : f.kanji;
  return { text, kana: f.kana, key: i };
}

function foreignSurname(rng: Rng, nationality: number): Surname {
  const list = NATIONALITIES[nationality]!.family;
  const i = rng.int(list.length);
  const part = list[i]!;
  return { text: part.latin, kana: part.kana, key: FOREIGN_KEY + nationality * 16 + i };
}

/**
 * Generates a synthetic town: households of realistic make-up living at addresses in the
 * municipality, one resident at a time, so a million rows never sit in memory together.
 * The same options always give the same residents. Options are checked at once, and a
 * bad one throws `DEMO_INVALID_OPTIONS`.
 *
 * @example
 * const town = [...generateTown({ seed: 1, count: 10_000, municipalityCode: '102121',
 *   municipalityName: 'みどり市', prefecture: '群馬県', today: '2025-04-01' })];
 */
export function generateTown(options: TownOptions): Generator<SyntheticResident> {
  checkOptions(options);
  const today = requireDay(options.today, 'today');
  return run(options, today);
}

function* run(o: TownOptions, today: number): Generator<SyntheticResident> {
  const rng = createRng(o.seed);
  const days = buildDayTable(today, MAX_AGE + 2);
  const firstYear = days.year[0]!;
  const lastYear = days.year[days.year.length - 1]!;
  const maleByYear = namesByYear(MALE_GIVEN_NAMES, firstYear, lastYear);
  const femaleByYear = namesByYear(FEMALE_GIVEN_NAMES, firstYear, lastYear);
  const towns = planTowns(rng, o.prefecture, o.municipalityName, o.municipalityCode);
  const pickTown = weightedPicker(towns.map((t) => t.weight));
  const seen = new SeenFilter(o.count);
  const { municipalityCode, count } = o;
  let produced = 0;
  let households = 0;

  while (produced < count) {
    const plan: HouseholdPlan = planHousehold(rng);
    households++;
    const householdId = `H${String(households).padStart(9, '0')}`;
    const town = towns[pickTown(rng)]!;
    let address = `${town.prefix}${1 + rng.int(town.chome)}丁目${1 + rng.int(28)}番${1 + rng.int(20)}号`;
    if (plan.apartment) address += buildingSuffix(rng);
    const movedIn = today - Math.floor((plan.yearsHere + rng.float()) * DAYS_PER_YEAR);
    const head = plan.members[0]!;
    const headName = head.nationality < 0 ? japaneseSurname(rng) : foreignSurname(rng, head.nationality);
    const foreignKana = rng.chance(0.7);
    const usedGiven: number[] = [];

    for (const m of plan.members) {
      if (produced >= count) break;
      const birth = Math.max(today - Math.floor((m.age + rng.float()) * DAYS_PER_YEAR), days.first);
      const surname = !m.ownFamilyName
        ? headName
        : m.nationality < 0
          ? japaneseSurname(rng)
          : foreignSurname(rng, m.nationality);
      const year = days.year[birth - days.first]!;
      produced++;
      const localId = String(produced).padStart(10, '0');
      const birthDate = days.text[birth - days.first]!;
      const movedInDate = days.text[Math.max(movedIn, birth) - days.first]!;
      const sex = m.female ? 'female' : 'male';
      let resident: SyntheticResident;
      if (m.nationality < 0) {
        const list = (m.female ? femaleByYear : maleByYear)[year - firstYear]!;
        const table = m.female ? FEMALE_GIVEN_NAMES : MALE_GIVEN_NAMES;
        const given =
          table[drawGiven(rng, seen, list, usedGiven, surname.key, m.female ? FEMALE_KEY : 0, birth)]!;
        // One literal with every property, in one order, keeps a single object shape (fast).
        resident = {
          localId,
          municipalityCode,
          familyName: surname.text,
          givenName: given.kanji,
          familyNameKana: surname.kana,
          givenNameKana: given.kana,
          birthDate,
          sex,
          postalCode: town.postalCode,
          address,
          nationality: 'JP',
          householdId,
          relationship: m.relationship,
          movedInDate,
        };
      } else {
        resident = {
          localId,
          municipalityCode,
          familyName: surname.text,
          birthDate,
          sex,
          postalCode: town.postalCode,
          address,
          nationality: NATIONALITIES[m.nationality]!.code,
          householdId,
          relationship: m.relationship,
          movedInDate,
        };
        nameForeigner(rng, seen, resident, m, surname, usedGiven, birth, foreignKana);
      }
      yield resident;
    }
  }
}

/** Draws a given name not used in the household and, if possible, not already paired with this surname and birth day. */
function drawGiven(
  rng: Rng,
  seen: SeenFilter,
  list: readonly number[],
  usedGiven: number[],
  surnameKey: number,
  keyBase: number,
  birth: number,
): number {
  let i = 0;
  let hash = 0;
  for (let attempt = 0; attempt < REDRAWS; attempt++) {
    i = list[rng.int(list.length)]!;
    if (usedGiven.includes(keyBase + i) && attempt < REDRAWS - 1) continue;
    hash = scramble(Math.imul(surnameKey * 2048 + keyBase + i, 0x9e3779b1) ^ birth);
    if (!seen.has(hash)) break;
  }
  seen.add(hash);
  usedGiven.push(keyBase + i);
  return i;
}

function nameForeigner(
  rng: Rng,
  seen: SeenFilter,
  r: SyntheticResident,
  m: MemberPlan,
  surname: Surname,
  usedGiven: number[],
  birth: number,
  withKana: boolean,
): void {
  const spec = NATIONALITIES[m.nationality]!;
  const list = m.female ? spec.female : spec.male;
  if (withKana) r.familyNameKana = surname.kana;
  if (list.length > 0) {
    const all = Array.from(list.keys());
    const base = FOREIGN_KEY + m.nationality * 16 + (m.female ? 8 : 0);
    const i = drawGiven(rng, seen, all, usedGiven, surname.key, base, birth);
    const given = list[i]!;
    r.givenName = given.latin;
    if (withKana) r.givenNameKana = given.kana;
  }
  if (m.status !== undefined) r.residenceStatus = m.status;
}
