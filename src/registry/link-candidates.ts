import type { Sex } from '../matching/index.ts';
import { parseDate } from '../matching/index.ts';
import { validateIndividualNumber } from '../number/index.ts';
import type { AnyDb, DomainMigration } from '../store/index.ts';
import type { RegistryContext } from './context.ts';
import { type RegistryTables, registryTables } from './registry-tables.ts';

/** Candidates are fetched by birth date (the blocking key): it needs its own index. */
export const linkMigrations: DomainMigration[] = [
  {
    name: '0014-registry-birth-date-index',
    async up(db) {
      await db.schema
        .createIndex('resident_birth_date')
        .on('resident')
        .columns(['birth_date', 'id'])
        .execute();
    },
  },
];

/** The items record linking compares (the four basic items, readings, household). */
export interface LinkRecord {
  readonly residentId: string;
  readonly status: 'active' | 'deceased';
  readonly familyName: string;
  readonly givenName: string | null;
  readonly familyNameKana: string | null;
  readonly givenNameKana: string | null;
  readonly birthDate: string;
  readonly sex: Sex;
  readonly address: string;
  readonly householdId: string | null;
}

const COLUMNS = [
  'id',
  'status',
  'family_name',
  'given_name',
  'family_name_kana',
  'given_name_kana',
  'birth_date',
  'sex',
  'address',
  'household_id',
] as const;

type Row = Pick<RegistryTables['resident'], (typeof COLUMNS)[number]>;

function toRecord(r: Row): LinkRecord {
  return {
    residentId: r.id,
    status: r.status,
    familyName: r.family_name,
    givenName: r.given_name,
    familyNameKana: r.family_name_kana,
    givenNameKana: r.given_name_kana,
    birthDate: r.birth_date,
    sex: r.sex as Sex,
    address: r.address,
    householdId: r.household_id,
  };
}

/**
 * Narrow reads for record linking (an insurer's enrolment, through the network). They
 * append NO access record themselves: they run inside the caller's transaction, and the
 * caller appends one, in that transaction, for every resident whose items it keeps, links
 * or shows to a person (a linked resident, the candidates a supervisor sees). Candidates
 * compared in memory and dropped are not recorded — nothing of theirs leaves the process.
 */
export function createLinkReads(ctx: RegistryContext) {
  const t = (db: AnyDb | undefined) => registryTables(db ?? ctx.store.db);
  return {
    /**
     * Every active resident born on this day (the blocking key). All of them: a cut-off
     * list could hide the second of two identical people and make a match look unique.
     * (About 3,400 people share a birth date in a nation of 125 million.)
     */
    async byBirthDate(birthDate: string, db?: AnyDb): Promise<LinkRecord[]> {
      const date = parseDate(birthDate);
      if (!date.ok) return [];
      const rows = await t(db)
        .selectFrom('resident')
        .select(COLUMNS)
        .where('birth_date', '=', date.value)
        .where('status', '=', 'active')
        .orderBy('id')
        .execute();
      return rows.map(toRecord);
    },
    /** The holder of a current individual number; undefined for an unknown or retired number. */
    async byNumber(number: string, db?: AnyDb): Promise<LinkRecord | undefined> {
      const valid = validateIndividualNumber(number);
      if (!valid.ok) return undefined;
      const hit = await ctx.vault.lookup(db ?? ctx.store.db, valid.value);
      if (hit === undefined || hit.status === 'retired') return undefined;
      const row = await t(db)
        .selectFrom('resident')
        .select(COLUMNS)
        .where('id', '=', hit.residentId)
        .executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },
    /** Residents by id (any status), in no particular order. */
    async byIds(ids: readonly string[], db?: AnyDb): Promise<LinkRecord[]> {
      const out: LinkRecord[] = [];
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await t(db)
          .selectFrom('resident')
          .select(COLUMNS)
          .where('id', 'in', ids.slice(i, i + 500))
          .execute();
        out.push(...rows.map(toRecord));
      }
      return out;
    },
  };
}

export type LinkReads = ReturnType<typeof createLinkReads>;
