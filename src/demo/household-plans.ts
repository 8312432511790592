import { dependantStatus, NATIONALITIES, SINGLE_ONLY_STATUSES } from './foreign-names.ts';
import type { Rng } from './prng.ts';
import { type WeightedPicker, weightedPicker } from './weighted.ts';

/** One member of a planned household, before names and dates are drawn. */
export interface MemberPlan {
  readonly relationship: string;
  readonly female: boolean;
  /** Age in whole years. */
  readonly age: number;
  /** Index into NATIONALITIES, or -1 for a Japanese national. */
  readonly nationality: number;
  readonly status?: string;
  /** True when the member does not share the head's family name (同居人, a foreign wife). */
  readonly ownFamilyName: boolean;
}

export interface HouseholdPlan {
  readonly members: MemberPlan[];
  /** Years since the household moved to its address. */
  readonly yearsHere: number;
  /** Whether it lives in an apartment building (the address gets a building and room). */
  readonly apartment: boolean;
}

/** Oldest age generated, so that the oldest resident is about 105. */
export const MAX_AGE = 104;

const JP = -1;
// Household types, weighted so the town has the age pyramid of an ageing municipality
// (about a third aged 65+, about a tenth under 15) and realistic household sizes.
const TYPES = [
  'young-single',
  'elderly-single',
  'couple',
  'elderly-couple',
  'couple-children',
  'single-parent',
  'three-generations',
  'parent-adult-child',
  'mixed-marriage',
  'foreign',
] as const;
const TYPE_WEIGHTS = [15, 17, 7, 16, 14, 5, 5, 11, 0.6, 3.8];
const pickType = weightedPicker(TYPE_WEIGHTS);
const pickNationality = weightedPicker(NATIONALITIES.map((n) => n.weight));
const pickStatus: WeightedPicker[] = NATIONALITIES.map((n) => weightedPicker(n.statuses.map(([, w]) => w)));

const member = (relationship: string, female: boolean, age: number, nationality = JP): MemberPlan => ({
  relationship,
  female,
  age: Math.min(Math.max(age, 0), MAX_AGE),
  nationality,
  ownFamilyName: false,
});

/** Age skewed toward the low end of [lo, hi]. */
const skewed = (rng: Rng, lo: number, hi: number, power: number): number =>
  lo + Math.floor((hi - lo + 1) * rng.float() ** power);

/** Age difference husband minus wife: mostly 0-4 years, sometimes the wife is older. */
const spouseGap = (rng: Rng): number => rng.range(-2, 4) + rng.range(-1, 3);

/**
 * Children of a mother aged `motherAge`: first birth at 22-38, later ones 1-4 years apart,
 * none after 43, so a parent is always 20-45 years older than each child.
 */
function childrenOf(rng: Rng, motherAge: number, wanted: number): number[] {
  const ages: number[] = [];
  let atBirth = Math.min(22 + rng.int(9) + rng.int(9), motherAge);
  if (atBirth < 22) return ages;
  while (ages.length < wanted && atBirth <= Math.min(43, motherAge)) {
    ages.push(motherAge - atBirth);
    atBirth += rng.range(1, 4);
  }
  return ages;
}

/** Husband's age, kept within 22-43 years older than each child. */
function fatherAge(rng: Rng, motherAge: number, children: readonly number[]): number {
  let age = motherAge + spouseGap(rng);
  if (children.length > 0) {
    const oldest = Math.max(...children);
    const youngest = Math.min(...children);
    age = Math.min(Math.max(age, oldest + 22), youngest + 43);
  }
  return age;
}

function addChildren(
  rng: Rng,
  out: MemberPlan[],
  ages: readonly number[],
  nationality = JP,
  status?: string,
): void {
  for (const age of ages) {
    const child = member('子', rng.chance(0.49), age, nationality);
    out.push(status === undefined ? child : { ...child, status });
  }
}

const childCount = (rng: Rng): number => {
  const r = rng.float();
  return r < 0.45 ? 1 : r < 0.87 ? 2 : 3;
};

/** A married couple (usually the husband as head) with children, appended to `out`. */
function family(rng: Rng, out: MemberPlan[], motherAge: number, kids: number): void {
  const children = childrenOf(rng, motherAge, kids);
  const husband = fatherAge(rng, motherAge, children);
  if (rng.chance(0.96)) out.push(member('世帯主', false, husband), member('妻', true, motherAge));
  else out.push(member('世帯主', true, motherAge), member('夫', false, husband));
  addChildren(rng, out, children);
}

function foreignHousehold(rng: Rng): HouseholdPlan {
  const nat = pickNationality(rng);
  const spec = NATIONALITIES[nat] ?? NATIONALITIES[0]!;
  const status = spec.statuses[pickStatus[nat]!(rng)]?.[0] ?? '永住者';
  const young = SINGLE_ONLY_STATUSES.has(status) || status === '留学';
  const special = status === '特別永住者';
  const headAge = young ? rng.range(19, 34) : special ? rng.range(40, 95) : rng.range(25, 65);
  const yearsHere = special
    ? rng.int(headAge - 17)
    : young
      ? rng.int(4)
      : rng.int(Math.min(15, headAge - 18));
  const female = rng.chance(young ? 0.45 : 0.35);
  const head = { ...member('世帯主', female, headAge, nat), status };
  const members: MemberPlan[] = [head];
  if (!SINGLE_ONLY_STATUSES.has(status) && status !== '留学' && rng.chance(0.5)) {
    const depStatus = dependantStatus(status);
    const wifeAge = female ? headAge : Math.max(20, headAge - spouseGap(rng));
    let kids = wifeAge < 50 ? childrenOf(rng, wifeAge, rng.int(3)) : [];
    if (female) {
      members.push({ ...member('夫', false, fatherAge(rng, wifeAge, kids), nat), status: depStatus });
    } else {
      // The head's age is fixed, so drop any child he would have fathered outside 22-43.
      kids = kids.filter((k) => headAge - k >= 22 && headAge - k <= 43);
      const wife = { ...member('妻', true, wifeAge, nat), ownFamilyName: spec.wifeKeepsName };
      members.push({ ...wife, status: depStatus });
    }
    addChildren(rng, members, kids, nat, depStatus);
  }
  return { members, yearsHere, apartment: rng.chance(young ? 0.8 : 0.4) };
}

/** Plans one household: who lives there, their ages, and how long they have lived there. */
export function planHousehold(rng: Rng): HouseholdPlan {
  const type = TYPES[pickType(rng)] ?? 'young-single';
  const members: MemberPlan[] = [];
  switch (type) {
    case 'young-single':
      members.push(member('世帯主', rng.chance(0.4), skewed(rng, 18, 64, 1.4)));
      if (rng.chance(0.04))
        members.push({ ...member('同居人', rng.chance(0.5), skewed(rng, 18, 64, 1.4)), ownFamilyName: true });
      break;
    case 'elderly-single':
      members.push(member('世帯主', rng.chance(0.7), skewed(rng, 65, MAX_AGE, 1.5)));
      break;
    case 'couple': {
      const wife = rng.range(24, 64);
      family(rng, members, wife, 0);
      break;
    }
    case 'elderly-couple':
      family(rng, members, skewed(rng, 63, 95, 1.4), 0);
      break;
    case 'couple-children':
      family(rng, members, rng.range(24, 56), childCount(rng));
      break;
    case 'single-parent': {
      const motherAge = rng.range(24, 55);
      const kids = childrenOf(rng, motherAge, rng.chance(0.6) ? 1 : 2);
      const mother = rng.chance(0.87);
      const parentAge = mother ? motherAge : fatherAge(rng, motherAge, kids);
      members.push(member('世帯主', mother, parentAge));
      addChildren(rng, members, kids);
      break;
    }
    case 'three-generations': {
      family(rng, members, rng.range(30, 52), childCount(rng));
      const head = members[0]!;
      const grandma = head.age + 22 + rng.int(9) + rng.int(9);
      const grandpa = Math.min(Math.max(grandma + spouseGap(rng), head.age + 22), head.age + 43);
      // The grandparents are the head's parents: both (55%), the mother (35%) or the father.
      const r = rng.float();
      if (r < 0.55 || r >= 0.9) members.push(member('父', false, grandpa));
      if (r < 0.9) members.push(member('母', true, grandma));
      break;
    }
    case 'parent-adult-child': {
      const motherAge = skewed(rng, 58, 92, 1.2);
      const r = rng.float();
      const child = motherAge - (24 + rng.int(7) + rng.int(7));
      if (r < 0.4) family(rng, members, motherAge, 0);
      else
        members.push(
          r < 0.85 ? member('世帯主', true, motherAge) : member('世帯主', false, motherAge + spouseGap(rng)),
        );
      members.push(member('子', rng.chance(0.4), child));
      break;
    }
    case 'mixed-marriage': {
      const nat = pickNationality(rng);
      const wifeAge = rng.range(26, 55);
      const kids = childrenOf(rng, wifeAge, rng.int(3));
      members.push(member('世帯主', false, fatherAge(rng, wifeAge, kids)));
      members.push({ ...member('妻', true, wifeAge, nat), status: '日本人の配偶者等', ownFamilyName: true });
      addChildren(rng, members, kids);
      break;
    }
    case 'foreign':
      return foreignHousehold(rng);
  }
  const youngestAdult = Math.min(...members.filter((m) => m.relationship !== '子').map((m) => m.age));
  const yearsHere = skewed(rng, 0, Math.max(0, youngestAdult - 18), 1.3);
  return { members, yearsHere, apartment: rng.chance(members.length === 1 ? 0.35 : 0.15) };
}
