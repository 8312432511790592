import { accessRow, insertAccessRows, type PersonalItem } from '../audit/index.ts';
import { type Actor, type ErrorDetail, jstDate, uuidv7 } from '../core/index.ts';
import { matchPerson, type PersonFacts } from '../matching/index.ts';
import type { NumberSealer } from '../number/index.ts';
import { type AnyDb, type Capabilities, insertRows, selectByPairs } from '../store/index.ts';
import type { RegistryContext } from './context.ts';
import { EVENT_COLUMNS, RESIDENT_COLUMNS, type RegistryTables } from './registry-tables.ts';
import type { ResidentInput } from './resident.ts';
import { inputFromRow, newRow } from './resident-row.ts';

export type RegistrationOutcome =
  | { readonly kind: 'registered'; readonly residentId: string; readonly numberLast4: string }
  | { readonly kind: 'review'; readonly reviewId: string; readonly candidateIds: readonly string[] }
  | { readonly kind: 'rejected'; readonly error: ErrorDetail };

export const ALL_ITEMS: readonly PersonalItem[] = [
  'number',
  'name',
  'kana',
  'birth-date',
  'sex',
  'address',
  'municipality',
  'nationality',
  'household',
  'resident-code',
];

const CANDIDATE_COLUMNS = [
  'id',
  'family_name',
  'given_name',
  'family_name_kana',
  'given_name_kana',
  'birth_date',
  'sex',
  'address',
  'name_key',
  'kana_key',
] as const;

type Candidate = Pick<
  RegistryTables['resident'],
  | 'id'
  | 'family_name'
  | 'given_name'
  | 'family_name_kana'
  | 'given_name_kana'
  | 'birth_date'
  | 'sex'
  | 'address'
  | 'name_key'
  | 'kana_key'
>;

function facts(r: {
  familyName: string;
  givenName?: string | null | undefined;
  familyNameKana?: string | null | undefined;
  givenNameKana?: string | null | undefined;
  birthDate: string;
  sex: string;
  address: string;
}): PersonFacts {
  const kana = `${r.familyNameKana ?? ''}${r.givenNameKana ?? ''}`;
  return {
    name: `${r.familyName}${r.givenName ?? ''}`,
    kana: kana === '' ? undefined : kana,
    birthDate: r.birthDate,
    sex: r.sex as PersonFacts['sex'],
    address: r.address,
  };
}

function candidateFacts(c: Candidate): PersonFacts {
  return facts({
    familyName: c.family_name,
    givenName: c.given_name,
    familyNameKana: c.family_name_kana,
    givenNameKana: c.given_name_kana,
    birthDate: c.birth_date,
    sex: c.sex,
    address: c.address,
  });
}

/** Active residents whose normalised name or kana and birth date equal one of the pairs. */
async function findCandidates(
  db: AnyDb,
  capabilities: Capabilities,
  rows: readonly RegistryTables['resident'][],
): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const column of ['name_key', 'kana_key'] as const) {
    const pairs = rows.filter((r) => r[column] !== null).map((r) => [r[column], r.birth_date] as const);
    out.push(
      ...(await selectByPairs<Candidate>(
        db,
        capabilities,
        {
          table: 'resident',
          columns: CANDIDATE_COLUMNS,
          pair: [column, 'birth_date'],
          where: "status = 'active'",
        },
        pairs,
      )),
    );
  }
  return out;
}

/**
 * Registers residents as one unit of work: each either gets a record, a number and an
 * access record, or goes to the review queue as a likely duplicate, or is rejected;
 * never half of these. Used for a single registration and for each batch of an import.
 */
export async function registerResidents(
  ctx: RegistryContext,
  db: AnyDb,
  inputs: readonly ResidentInput[],
  actor: Actor,
  options: { skipDuplicateCheck?: boolean } = {},
): Promise<RegistrationOutcome[]> {
  const at = ctx.clock.now().toISOString();
  return registerPrepared(
    ctx,
    db,
    inputs.map((input) => ({ row: newRow(input, ctx.newId(), '', at), movedInDate: input.movedInDate })),
    actor,
    options,
  );
}

/**
 * The event row of a first registration: a newborn's (moved in on the day of birth) is
 * its birth (出生届); every other is a registration (転入 or 職権記載).
 */
export function registrationEvent(
  row: RegistryTables['resident'],
  effectiveDate: string,
  at: string,
  actor: Actor,
): unknown[] {
  return [
    uuidv7(Date.parse(at)),
    row.id,
    effectiveDate === row.birth_date ? 'birth' : 'registration',
    effectiveDate,
    at,
    actor.id,
    actor.role,
    null,
    null,
  ];
}

/** Every table row one registration writes, made before the write. */
export interface RegistrationWrites {
  readonly resident: unknown[];
  readonly vault: unknown[];
  readonly event: unknown[];
  readonly access: unknown[];
  readonly numberLast4: string;
}

/**
 * The rows of one registration: the resident (with its resident code), the sealed
 * number, the birth or registration event and the access record. The one place these
 * are made, for a single registration and for each row of a bulk import alike.
 */
export function registrationWrites(
  row: RegistryTables['resident'],
  number: string,
  sealer: NumberSealer,
  effectiveDate: string,
  at: Date,
  actor: Actor,
): RegistrationWrites {
  const sealed = sealer.sealedFor(number, row.id);
  return {
    resident: RESIDENT_COLUMNS.map((c) => row[c]),
    vault: sealer.vaultRow(row.id, sealed, at),
    event: registrationEvent(row, effectiveDate, at.toISOString(), actor),
    access: accessRow({ actor, action: 'create', residentId: row.id, items: ALL_ITEMS, at }),
    numberLast4: sealed.last4,
  };
}

/**
 * A registration whose row (id, search keys) is built, and — in a bulk import — whose
 * every table row, resident code and sealed number included, was made ahead from
 * reserved counters, off the database thread.
 */
export interface PreparedRegistration {
  readonly row: RegistryTables['resident'];
  readonly movedInDate?: string | undefined;
  /** Every table row of the registration, made ahead on an import's worker thread. */
  readonly writes?: RegistrationWrites | undefined;
}

export async function registerPrepared(
  ctx: RegistryContext,
  db: AnyDb,
  entries: readonly PreparedRegistration[],
  actor: Actor,
  options: { skipDuplicateCheck?: boolean } = {},
): Promise<RegistrationOutcome[]> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  const today = jstDate(now);
  // Inputs (for matching and the review queue) are rebuilt only for the few rows that need them.
  const inputOf = (i: number): ResidentInput => inputFromRow(entries[i]!.row, entries[i]!.movedInDate);
  const rows = entries.map((e) => e.row);
  const outcomes: (RegistrationOutcome | undefined)[] = new Array(entries.length);
  const keyOf = (k: string, b: string): string => `${k}|${b}`;

  // 宛名番号 must be unique within a municipality.
  const localIds = rows.filter((r) => r.local_id !== null);
  const taken = new Set<string>();
  const found = await selectByPairs<{ municipality_code: string; local_id: string }>(
    db,
    ctx.store.capabilities,
    {
      table: 'resident',
      columns: ['municipality_code', 'local_id'],
      pair: ['municipality_code', 'local_id'],
    },
    localIds.map((r) => [r.municipality_code, r.local_id] as const),
  );
  for (const f of found) taken.add(`${f.municipality_code}|${f.local_id}`);

  // Likely duplicates: same birth date and same normalised name or kana, and a
  // matcher that does not call them different people.
  const rowsByKey = new Map<string, number[]>();
  rows.forEach((row, i) => {
    for (const k of [row.name_key, row.kana_key]) {
      if (k === null) continue;
      const key = keyOf(k, row.birth_date);
      const list = rowsByKey.get(key);
      if (list === undefined) rowsByKey.set(key, [i]);
      else if (!list.includes(i)) list.push(i);
    }
  });
  const duplicatesOf = new Map<number, Set<string>>();
  for (const c of options.skipDuplicateCheck ? [] : await findCandidates(db, ctx.store.capabilities, rows)) {
    const cFacts = candidateFacts(c);
    for (const k of [c.name_key, c.kana_key]) {
      if (k === null) continue;
      for (const i of rowsByKey.get(keyOf(k, c.birth_date)) ?? []) {
        if (matchPerson(facts(inputOf(i)), cFacts).decision === 'different') continue;
        const set = duplicatesOf.get(i) ?? new Set<string>();
        set.add(c.id);
        duplicatesOf.set(i, set);
      }
    }
  }

  const accepted: RegistryTables['resident'][] = [];
  const acceptedIndex: number[] = [];
  const seenInBatch = new Map<string, number>();
  const reviews: unknown[][] = [];
  rows.forEach((row, i) => {
    if (row.local_id !== null) {
      const k = `${row.municipality_code}|${row.local_id}`;
      if (taken.has(k)) {
        outcomes[i] = {
          kind: 'rejected',
          error: {
            at: 'localId',
            code: 'REGISTRY_LOCAL_ID_TAKEN',
            message: `宛名番号 ${row.local_id} is already registered`,
          },
        };
        return;
      }
      taken.add(k);
    }
    const found = [...(duplicatesOf.get(i) ?? [])];
    // Two rows of the same submission for one person are a duplicate too.
    for (const k of [
      keyOf(row.name_key, row.birth_date),
      row.kana_key && keyOf(row.kana_key, row.birth_date),
    ]) {
      if (!k) continue;
      const earlier = seenInBatch.get(k);
      if (
        earlier !== undefined &&
        !options.skipDuplicateCheck &&
        matchPerson(facts(inputOf(earlier)), facts(inputOf(i))).decision !== 'different'
      ) {
        const o = outcomes[earlier];
        if (o?.kind === 'registered') found.push(o.residentId);
      }
    }
    if (found.length > 0) {
      const reviewId = uuidv7(now.getTime());
      reviews.push([
        reviewId,
        'pending',
        at,
        actor.id,
        JSON.stringify(inputOf(i)),
        JSON.stringify([...new Set(found)]),
      ]);
      outcomes[i] = { kind: 'review', reviewId, candidateIds: [...new Set(found)] };
      return;
    }
    seenInBatch.set(keyOf(row.name_key, row.birth_date), i);
    if (row.kana_key) seenInBatch.set(keyOf(row.kana_key, row.birth_date), i);
    accepted.push(row);
    acceptedIndex.push(i);
    outcomes[i] = { kind: 'registered', residentId: row.id, numberLast4: '' };
  });

  const caps = ctx.store.capabilities;
  // Rows not made ahead (a single registration, a review decision) get their resident
  // codes and numbers from the counters now, and are made by the same builder.
  const missing = acceptedIndex.filter((i) => entries[i]!.writes === undefined);
  const made = new Map<number, RegistrationWrites>();
  if (missing.length > 0) {
    const codes = await ctx.residentCodes(db, missing.length);
    const numbers = ctx.sealer.numbersFor(await ctx.vault.reserve(db, missing.length), missing.length);
    missing.forEach((i, k) => {
      const row = { ...entries[i]!.row, resident_code: codes[k]! };
      made.set(
        i,
        registrationWrites(row, numbers[k]!, ctx.sealer, entries[i]!.movedInDate ?? today, now, actor),
      );
    });
  }
  const writes = acceptedIndex.map((i) => entries[i]!.writes ?? made.get(i)!);
  await insertRows(
    db,
    caps,
    'resident',
    RESIDENT_COLUMNS,
    writes.map((w) => w.resident),
  );
  await ctx.vault.storeRows(
    db,
    writes.map((w) => w.vault),
  );
  await insertRows(
    db,
    caps,
    'resident_event',
    EVENT_COLUMNS,
    writes.map((w) => w.event),
  );
  await insertAccessRows(
    db,
    caps,
    writes.map((w) => w.access),
  );
  acceptedIndex.forEach((i, j) => {
    outcomes[i] = { kind: 'registered', residentId: accepted[j]!.id, numberLast4: writes[j]!.numberLast4 };
  });
  await insertRows(
    db,
    caps,
    'registration_review',
    ['id', 'status', 'submitted_at', 'submitted_by', 'input', 'candidate_ids'],
    reviews,
  );
  return outcomes.map((o) => o!);
}
