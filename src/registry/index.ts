import { type AccessRecord, auditMigrations, listAccessRecords } from '../audit/index.ts';
import type { Actor } from '../core/index.ts';
import { numberMigrations } from '../number/index.ts';
import { type DomainMigration, outboxMigration } from '../store/index.ts';
import { createRegistryContext, type RegistryDeps } from './context.ts';
import { registryError } from './errors.ts';
import { type ImportOptions, type ImportReport, importResidents } from './import-residents.ts';
import { createLifeEvents } from './life-events.ts';
import { createLinkReads, linkMigrations } from './link-candidates.ts';
import {
  addMunicipality,
  listMunicipalities,
  type Municipality,
  seedMunicipalities,
} from './municipalities.ts';
import { createReads } from './read-residents.ts';
import { type RegistrationOutcome, registerResidents } from './register-residents.ts';
import { registryMigrations, registryTables } from './registry-tables.ts';
import { createReviews } from './reviews.ts';
import { validateResident } from './validate-resident.ts';

export { REGISTRY_ERRORS, type RegistryErrorCode } from './errors.ts';
export {
  type CsvEncoding,
  type CsvRecord,
  type CsvRowError,
  readResidentCsvBatches,
} from './import-csv/index.ts';
export type { ImportReport, ImportRowError } from './import-residents.ts';
export type { LifeEventInput, LifeEventKind } from './life-events.ts';
export type { LinkReads, LinkRecord } from './link-candidates.ts';
export type { Municipality } from './municipalities.ts';
export type { ResidentEvent, SearchQuery, SearchResult } from './read-residents.ts';
export type { RegistrationOutcome } from './register-residents.ts';
export { MUTABLE_ITEMS, type MutableItem, type Resident, type ResidentInput } from './resident.ts';
export type { Review } from './reviews.ts';

/** Every table the register needs, with the tables of the parts it stands on. */
export const migrations: readonly DomainMigration[] = [
  outboxMigration,
  ...auditMigrations,
  ...numberMigrations,
  ...registryMigrations,
  ...linkMigrations,
];

/** The resident register: registration, life events, reads, the review queue, imports. */
export function createRegistry(deps: RegistryDeps) {
  const ctx = createRegistryContext(deps);
  const reads = createReads(ctx);
  const events = createLifeEvents(ctx);
  const reviews = createReviews(ctx);
  return {
    /** Validates and registers one resident: registered, or queued for review. */
    async register(raw: Record<string, unknown>, actor: Actor): Promise<RegistrationOutcome> {
      const checked = validateResident(raw, await ctx.validationContext());
      if (!checked.ok) throw registryError('REGISTRY_INVALID_RESIDENT', 'invalid', checked.errors);
      const [outcome] = await deps.store.db
        .transaction()
        .execute((trx) => registerResidents(ctx, trx, [checked.value], actor));
      if (outcome?.kind === 'rejected')
        throw registryError('REGISTRY_LOCAL_ID_TAKEN', 'conflict', [outcome.error]);
      return outcome!;
    },
    import: (bytes: Uint8Array, options: ImportOptions): Promise<ImportReport> =>
      importResidents(ctx, bytes, options),
    get: reads.get,
    search: reads.search,
    history: reads.history,
    revealNumber: reads.revealNumber,
    recordEvent: events.record,
    reassignNumber: events.reassignNumber,
    reviews,
    /**
     * Narrow reads for record linking (insurance enrolment): candidates by birth date, the
     * holder of a number, residents by id — the four items, readings and household only.
     * They record no access themselves; the caller records one in its transaction for every
     * resident it links, keeps or shows.
     */
    linking: createLinkReads(ctx),
    /** Resident ids for 宛名番号s (ids only: no personal data, so no access record). */
    async idsByLocalId(municipalityCode: string, localIds: readonly string[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      for (let i = 0; i < localIds.length; i += 500) {
        const rows = await registryTables(deps.store.db)
          .selectFrom('resident')
          .select(['id', 'local_id'])
          .where('municipality_code', '=', municipalityCode)
          .where('local_id', 'in', localIds.slice(i, i + 500))
          .execute();
        for (const r of rows) out.set(r.local_id!, r.id);
      }
      return out;
    },
    /** Ids of active residents in id order, a page at a time (ids only: no access record). */
    async activeIds(options: {
      municipalityCode?: string | undefined;
      after?: string | undefined;
      limit: number;
    }): Promise<string[]> {
      let q = registryTables(deps.store.db)
        .selectFrom('resident')
        .select('id')
        .where('status', '=', 'active')
        .orderBy('id')
        .limit(options.limit);
      if (options.municipalityCode !== undefined)
        q = q.where('municipality_code', '=', options.municipalityCode);
      if (options.after !== undefined) q = q.where('id', '>', options.after);
      return (await q.execute()).map((r) => r.id);
    },
    /** Access records, oldest first (for auditors; they hold ids, not personal data). */
    accessRecords: (filter: {
      residentId?: string | undefined;
      actorId?: string | undefined;
      after?: string | undefined;
      limit: number;
    }): Promise<AccessRecord[]> => listAccessRecords(deps.store.db, filter),
    /** How many residents the register holds, by status. */
    async count(): Promise<{ active: number; deceased: number }> {
      const rows = await registryTables(deps.store.db)
        .selectFrom('resident')
        .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy('status')
        .execute();
      const get = (s: string): number => Number(rows.find((r) => r.status === s)?.n ?? 0);
      return { active: get('active'), deceased: get('deceased') };
    },
    municipalities: {
      list: (): Promise<Municipality[]> => listMunicipalities(deps.store.db),
      add: (m: Municipality): Promise<void> => addMunicipality(deps.store.db, m),
      seed: (): Promise<void> => seedMunicipalities(deps.store.db),
    },
  };
}

export type Registry = ReturnType<typeof createRegistry>;
export type { RegistryDeps };
