/**
 * Linking accuracy: a synthetic register and enrolment records derived from it with
 * realistic noise and known truth, decided by Myna's rule (decideLink) and by the
 * name + birth date + sex, first-hit rule of 2023 in the same run. Both go through the
 * code path of `myna match` (the import's CSV reader, in-memory blocking by birth date,
 * matchOne), so the figures are what the dry run does.
 */
import { performance } from 'node:perf_hooks';
import { loadRegister, matchOne, readRecords } from '../src/cli/match-command.ts';
import { generateTown, residentsToCsv, type SyntheticResident } from '../src/demo/index.ts';
import { decideLink, nameAndBirthDateRule } from '../src/insurance/link-rule.ts';
import { KANJI_VARIANTS } from '../src/matching/index.ts';
import { fmt, line } from './lib.ts';

type Kind =
  | 'exact copy'
  | 'kanji variant'
  | 'kana typo'
  | 'moved (old address)'
  | 'twin'
  | 'same-name family member'
  | 'namesake in register'
  | 'namesake not in register'
  | 'not in register';

/** How many records of each kind, per 100. */
const MIX: readonly [Kind, number][] = [
  ['exact copy', 35],
  ['kanji variant', 10],
  ['kana typo', 10],
  ['moved (old address)', 10],
  ['twin', 5],
  ['same-name family member', 5],
  ['namesake in register', 8],
  ['namesake not in register', 7],
  ['not in register', 10],
];

interface Truth {
  kind: Kind;
  /** Register line of the person the record is about; null when they are not in the register. */
  line: number | null;
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VARIANTS_OF = new Map<string, string[]>();
for (const [variant, canonical] of KANJI_VARIANTS) {
  const list = VARIANTS_OF.get(canonical) ?? [];
  list.push(variant);
  VARIANTS_OF.set(canonical, list);
}

function kanjiVariant(name: string, pick: number): string | undefined {
  const chars = [...name];
  const at = chars.findIndex((c) => VARIANTS_OF.has(c));
  if (at === -1) return undefined;
  const variants = VARIANTS_OF.get(chars[at]!)!;
  chars[at] = variants[pick % variants.length]!;
  return chars.join('');
}

const TYPO_KANA =
  'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン';

/** One keying error in a reading: a character replaced, dropped or doubled. */
function kanaTypo(kana: string, r: () => number): string {
  const chars = [...kana];
  const at = Math.floor(r() * chars.length);
  const how = r();
  if (how < 0.5 || chars.length < 2) {
    let c = chars[at]!;
    while (c === chars[at]) c = TYPO_KANA[Math.floor(r() * TYPO_KANA.length)]!;
    chars[at] = c;
  } else if (how < 0.8) chars.splice(at, 1);
  else chars.splice(at, 0, chars[at]!);
  return chars.join('');
}

function pickIndex<T>(list: readonly T[], r: () => number, ok: (t: T) => boolean): number {
  for (;;) {
    const i = Math.floor(r() * list.length);
    if (ok(list[i]!)) return i;
  }
}

function pickWhere<T>(list: readonly T[], r: () => number, ok: (t: T) => boolean): T {
  for (;;) {
    const t = list[Math.floor(r() * list.length)]!;
    if (ok(t)) return t;
  }
}

/** `p` living at `q`'s address (with its postal code, or none). */
function livingAt(p: SyntheticResident, q: SyntheticResident): SyntheticResident {
  const { postalCode: _, ...rest } = p;
  return q.postalCode === undefined
    ? { ...rest, address: q.address }
    : { ...rest, address: q.address, postalCode: q.postalCode };
}

export interface LinkingData {
  register: SyntheticResident[];
  records: SyntheticResident[];
  truth: Truth[];
}

/** Builds the register (a town plus twins, same-name family members and namesakes) and the records. */
export function linkingData(residents: number, records: number, seed = 11): LinkingData {
  const r = rng(seed);
  const townOptions = {
    count: residents,
    municipalityCode: '132039',
    municipalityName: '武蔵野市',
    prefecture: '東京都',
    today: '2026-11-29',
  };
  const town = [...generateTown({ ...townOptions, seed })];
  // Strangers: people of another town, never in the register.
  const strangers = [
    ...generateTown({
      ...townOptions,
      seed: seed + 1,
      count: Math.ceil(records / 5),
      municipalityName: '三鷹市',
    }),
  ];
  const register: SyntheticResident[] = [...town];
  const share = (kind: Kind): number => Math.ceil((records * MIX.find(([k]) => k === kind)![1]) / 100);
  const withKana = (p: SyntheticResident): boolean =>
    p.givenName !== undefined && p.familyNameKana !== undefined && p.givenNameKana !== undefined;

  // Twins: a sibling born the same day, same household and address, another given name.
  const twins: { added: number; original: number }[] = [];
  for (let i = 0; i < share('twin'); i++) {
    const original = pickIndex(town, r, withKana);
    const p = town[original]!;
    const other = pickWhere(town, r, (q) => withKana(q) && q.sex === p.sex && q.givenName !== p.givenName);
    register.push({
      ...p,
      localId: `T${i}`,
      givenName: other.givenName!,
      givenNameKana: other.givenNameKana!,
      relationship: '子',
    });
    twins.push({ added: register.length - 1, original });
  }
  // Same-name family members: a parent and a child with the same full name at one address.
  const juniors: number[] = [];
  for (let i = 0; i < share('same-name family member'); i++) {
    const p = pickWhere(town, r, (q) => withKana(q) && q.birthDate < '1990-01-01');
    const year = Number(p.birthDate.slice(0, 4)) + 25 + Math.floor(r() * 10);
    // 29 February of a leap year becomes the 28th in the child's year.
    const monthDay = p.birthDate.slice(4) === '-02-29' ? '-02-28' : p.birthDate.slice(4);
    register.push({ ...p, localId: `J${i}`, birthDate: `${year}${monthDay}`, relationship: '子' });
    juniors.push(register.length - 1);
  }
  // Namesakes: a different person with the same name, birth date and sex, living elsewhere.
  const namesakes: { added: number; original: number }[] = [];
  for (let i = 0; i < share('namesake in register'); i++) {
    const original = pickIndex(town, r, withKana);
    const p = town[original]!;
    const elsewhere = pickWhere(town, r, (q) => q.address !== p.address);
    register.push({
      ...livingAt(p, elsewhere),
      localId: `N${i}`,
      householdId: `HN${i}`,
      relationship: '世帯主',
    });
    namesakes.push({ added: register.length - 1, original });
  }

  const lineOf = (index: number): number => index + 2; // header is line 1, no multi-line fields
  const out: SyntheticResident[] = [];
  const truth: Truth[] = [];
  const add = (record: SyntheticResident, kind: Kind, index: number | null): void => {
    out.push(record);
    truth.push({ kind, line: index === null ? null : lineOf(index) });
  };
  const someone = (ok: (p: SyntheticResident) => boolean = () => true): number => {
    for (;;) {
      const i = Math.floor(r() * town.length);
      if (ok(town[i]!)) return i;
    }
  };
  for (const [kind] of MIX) {
    const n = share(kind);
    for (let k = 0; k < n; k++) {
      switch (kind) {
        case 'exact copy': {
          const i = someone();
          add({ ...town[i]! }, kind, i);
          break;
        }
        case 'kanji variant': {
          const i = someone((p) => kanjiVariant(p.familyName, 0) !== undefined);
          add({ ...town[i]!, familyName: kanjiVariant(town[i]!.familyName, k)! }, kind, i);
          break;
        }
        case 'kana typo': {
          const i = someone(withKana);
          add({ ...town[i]!, givenNameKana: kanaTypo(town[i]!.givenNameKana!, r) }, kind, i);
          break;
        }
        case 'moved (old address)': {
          const i = someone();
          const old = pickWhere(town, r, (q) => q.address !== town[i]!.address);
          add(livingAt(town[i]!, old), kind, i);
          break;
        }
        case 'twin': {
          // Half the records are about the added twin, half about the original one.
          const t = twins[k % twins.length]!;
          const about = k % 2 === 0 ? t.added : t.original;
          add({ ...register[about]! }, kind, about);
          break;
        }
        case 'same-name family member': {
          const j = juniors[k % juniors.length]!;
          add({ ...register[j]! }, kind, j);
          break;
        }
        case 'namesake in register': {
          // Half the records are about the original, half about the namesake.
          const n = namesakes[k % namesakes.length]!;
          const about = k % 2 === 0 ? n.added : n.original;
          add({ ...register[about]! }, kind, about);
          break;
        }
        case 'namesake not in register': {
          // Same name, birth date and sex as a resident, another person living elsewhere.
          const i = someone(withKana);
          const elsewhere = strangers[k % strangers.length]!;
          add({ ...livingAt(town[i]!, elsewhere), localId: `X${k}` }, kind, null);
          break;
        }
        case 'not in register':
          add({ ...strangers[k % strangers.length]!, localId: `S${k}` }, kind, null);
          break;
      }
    }
  }
  return { register, records: out, truth };
}

interface Tally {
  wrong: number;
  right: number;
  review: number;
  none: number;
  ms: number;
}

export async function benchLinking(options: { residents: number; records?: number }): Promise<void> {
  const records = options.records ?? Math.max(100_000, Math.ceil(options.residents / 2));
  process.stdout.write(
    `## Linking accuracy: ${fmt(records)} enrolment records against a ${fmt(options.residents)}-resident register\n`,
  );
  process.stderr.write('generating the register and the enrolment records…\n');
  const data = linkingData(options.residents, records);
  const registerCsv = Buffer.from([...residentsToCsv(data.register)].join(''));
  const recordsCsv = Buffer.from([...residentsToCsv(data.records)].join(''));

  let start = performance.now();
  const { index, bad } = loadRegister(registerCsv);
  const parsed = readRecords(recordsCsv);
  const readMs = performance.now() - start;
  const unreadable = [...bad, ...parsed.filter((p) => 'code' in p)];
  if (unreadable.length > 0)
    throw new Error(`the synthetic files have unreadable rows: ${JSON.stringify(unreadable.slice(0, 5))}`);
  if (parsed.length !== data.truth.length) throw new Error('record count mismatch');

  const run = (rule: typeof decideLink, byKind: Map<Kind, Tally>): Tally => {
    const total: Tally = { wrong: 0, right: 0, review: 0, none: 0, ms: 0 };
    for (const [k] of MIX) byKind.set(k, { wrong: 0, right: 0, review: 0, none: 0, ms: 0 });
    start = performance.now();
    const rows = parsed.map((p) => matchOne(index, p, rule));
    total.ms = performance.now() - start;
    rows.forEach((row, i) => {
      const truth = data.truth[i]!;
      const t = byKind.get(truth.kind)!;
      for (const tally of [t, total]) {
        if (row.decision === 'link') {
          if (row.registerLine === truth.line) tally.right++;
          else tally.wrong++;
        } else tally[row.decision]++;
      }
    });
    return total;
  };
  const mynaByKind = new Map<Kind, Tally>();
  const oldByKind = new Map<Kind, Tally>();
  // The first pass computes each register row's normalised keys (remembered per row, as
  // the dry run does); both rules then run on warm keys, so the ratio compares the rules.
  const cold = run(decideLink, new Map());
  const old = run(nameAndBirthDateRule, oldByKind);
  const myna = run(decideLink, mynaByKind);

  const n = parsed.length;
  const pct = (x: number): string => `${((100 * x) / n).toFixed(2)} %`;
  line('reading both files (the import CSV reader)', `${fmt(readMs)} ms`);
  line('first pass, computing the register keys', `${fmt(cold.ms)} ms`);
  for (const [label, t] of [
    ['2023 rule (name + birth date + sex, first hit)', old],
    ['Myna (four items, exact and unique)', myna],
  ] as const) {
    process.stdout.write(`${label}\n`);
    line('  wrong links', fmt(t.wrong));
    line('  auto-linked (right person)', `${pct(t.right)}`);
    line('  sent to review', pct(t.review));
    line('  none', pct(t.none));
    line('  records/s', fmt(n / (t.ms / 1000)));
  }
  line('Myna wrong links (goal 0)', fmt(myna.wrong), {
    value: old.wrong === 0 ? 0 : myna.wrong / old.wrong,
    against: `2023 rule (${fmt(old.wrong)} wrong)`,
    goal: '0',
  });
  line('Myna records/s', fmt(n / (myna.ms / 1000)), {
    value: old.ms / myna.ms,
    against: '2023 rule records/s',
  });
  process.stdout.write('  by kind of record (link right / link wrong / review / none), 2023 → Myna:\n');
  for (const [kind] of MIX) {
    const o = oldByKind.get(kind)!;
    const m = mynaByKind.get(kind)!;
    const cell = (t: Tally): string => `${t.right}/${t.wrong}/${t.review}/${t.none}`;
    process.stdout.write(`  ${kind.padEnd(26)} ${cell(o).padStart(22)}  →  ${cell(m)}\n`);
  }
  process.stdout.write('\n');
}
