import { type PersonalItem, recordAccess } from '../audit/index.ts';
import type { Actor } from '../core/index.ts';
import { normalizeKana, normalizeName, parseDate } from '../matching/index.ts';
import { validateIndividualNumber } from '../number/index.ts';
import type { AnyDb } from '../store/index.ts';
import type { RegistryContext } from './context.ts';
import { registryError } from './errors.ts';
import { ALL_ITEMS } from './register-residents.ts';
import { registryTables } from './registry-tables.ts';
import type { Resident } from './resident.ts';
import { fromRow } from './resident-row.ts';

export interface ResidentEvent {
  readonly id: string;
  readonly kind: string;
  readonly effectiveDate: string;
  readonly recordedAt: string;
  readonly actorId: string;
  readonly actorRole: string;
  readonly reason: string | null;
  /** For each changed item, its value before and after the event. */
  readonly changes: Readonly<Record<string, { before: unknown; after: unknown }>>;
}

export type SearchQuery =
  | { readonly number: string }
  | { readonly name: string; readonly birthDate: string }
  | { readonly kana: string; readonly birthDate: string };

export interface SearchResult {
  readonly residents: Resident[];
  /** Set when the number searched for was retired (replaced after a leak). */
  readonly retiredNumber?: boolean;
}

/** The register's reads. Each read appends an access record in the same transaction. */
export function createReads(ctx: RegistryContext) {
  const { store, clock } = ctx;

  return {
    /**
     * One resident. The access record lists `items` when the caller says which items it
     * will pass on (an OpenID Connect claim, a relying party's answer); otherwise every
     * item but the number.
     */
    async get(
      id: string,
      actor: Actor,
      options: {
        items?: readonly PersonalItem[];
        /** The caller's transaction: the read and its access record commit with it. */
        trx?: AnyDb | undefined;
      } = {},
    ): Promise<Resident> {
      const read = async (trx: AnyDb): Promise<Resident> => {
        const row = await registryTables(trx)
          .selectFrom('resident')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirst();
        if (row === undefined) throw registryError('REGISTRY_RESIDENT_NOT_FOUND', 'not-found');
        await recordAccess(trx, store.capabilities, [
          {
            actor,
            action: 'read',
            residentId: id,
            items: options.items ?? ALL_ITEMS.filter((i) => i !== 'number'),
            at: clock.now(),
          },
        ]);
        return fromRow(row);
      };
      return options.trx === undefined ? store.db.transaction().execute(read) : read(options.trx);
    },

    async search(query: SearchQuery, actor: Actor, limit = 20): Promise<SearchResult> {
      return store.db.transaction().execute(async (trx) => {
        const t = registryTables(trx);
        let residents: Resident[];
        let retiredNumber = false;
        if ('number' in query) {
          const valid = validateIndividualNumber(query.number);
          if (!valid.ok)
            throw registryError('REGISTRY_INVALID_SEARCH', 'invalid', [
              { at: 'number', code: valid.code, message: valid.message },
            ]);
          const hit = await ctx.vault.lookup(trx, valid.value);
          retiredNumber = hit?.status === 'retired';
          const row =
            hit === undefined || retiredNumber
              ? undefined
              : await t
                  .selectFrom('resident')
                  .selectAll()
                  .where('id', '=', hit.residentId)
                  .executeTakeFirst();
          residents = row === undefined ? [] : [fromRow(row)];
        } else {
          const date = parseDate(query.birthDate);
          if (!date.ok) {
            throw registryError('REGISTRY_INVALID_SEARCH', 'invalid', [
              { at: 'birthDate', code: date.code, message: date.message },
            ]);
          }
          const byName = 'name' in query;
          const key = byName ? normalizeName(query.name) : normalizeKana(query.kana);
          if (key === '')
            throw registryError('REGISTRY_INVALID_SEARCH', 'invalid', [
              { at: byName ? 'name' : 'kana', code: 'NAME_EMPTY', message: 'the name is empty' },
            ]);
          const rows = await t
            .selectFrom('resident')
            .selectAll()
            .where(byName ? 'name_key' : 'kana_key', '=', key)
            .where('birth_date', '=', date.value)
            .orderBy('id')
            .limit(limit)
            .execute();
          residents = rows.map(fromRow);
        }
        await recordAccess(
          trx,
          store.capabilities,
          residents.map((r) => ({
            actor,
            action: 'search' as const,
            residentId: r.id,
            items: ALL_ITEMS.filter((i) => i !== 'number'),
            at: clock.now(),
          })),
        );
        return retiredNumber ? { residents, retiredNumber } : { residents };
      });
    },

    async history(id: string, actor: Actor): Promise<ResidentEvent[]> {
      return store.db.transaction().execute(async (trx) => {
        const t = registryTables(trx);
        const exists = await t.selectFrom('resident').select('id').where('id', '=', id).executeTakeFirst();
        if (exists === undefined) throw registryError('REGISTRY_RESIDENT_NOT_FOUND', 'not-found');
        const rows = await t
          .selectFrom('resident_event')
          .selectAll()
          .where('resident_id', '=', id)
          .orderBy('id')
          .execute();
        await recordAccess(trx, store.capabilities, [
          { actor, action: 'read', residentId: id, items: ['history'], at: clock.now() },
        ]);
        return rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          effectiveDate: r.effective_date,
          recordedAt: r.recorded_at,
          actorId: r.actor_id,
          actorRole: r.actor_role,
          reason: r.reason,
          changes: r.changes === null ? {} : (JSON.parse(r.changes) as ResidentEvent['changes']),
        }));
      });
    },

    /** The full individual number, for a clerk who must write it on a form. */
    async revealNumber(id: string, actor: Actor): Promise<string> {
      return store.db.transaction().execute(async (trx) => {
        const exists = await registryTables(trx)
          .selectFrom('resident')
          .select('id')
          .where('id', '=', id)
          .executeTakeFirst();
        if (exists === undefined) throw registryError('REGISTRY_RESIDENT_NOT_FOUND', 'not-found');
        const number = await ctx.vault.reveal(trx, id);
        await recordAccess(trx, store.capabilities, [
          { actor, action: 'reveal-number', residentId: id, items: ['number'], at: clock.now() },
        ]);
        return number;
      });
    },
  };
}

export type Reads = ReturnType<typeof createReads>;
