import { recordAccess } from '../audit/index.ts';
import type { Actor, ErrorDetail } from '../core/index.ts';
import { parseDate } from '../matching/index.ts';
import { appendEvent } from '../store/index.ts';
import type { RegistryContext } from './context.ts';
import { registryError } from './errors.ts';
import { registryTables } from './registry-tables.ts';
import { BASIC_ITEMS, MUTABLE_ITEMS, type MutableItem, type Resident } from './resident.ts';
import { columnOf, fromRow, searchKeys } from './resident-row.ts';
import { validateResident } from './validate-resident.ts';

/**
 * Life events (異動). Each is a dated, attributed record of what changed; the resident
 * row then shows the new state. A change to a basic item, a death or a move between
 * municipalities is announced through the outbox, so that other domains (the card's
 * signature certificate, insurers) follow without this domain knowing them.
 */
export type LifeEventKind = 'move' | 'name-change' | 'death' | 'correction';

const ALLOWED: Record<LifeEventKind, readonly MutableItem[]> = {
  move: ['address', 'postalCode', 'municipalityCode', 'householdId', 'relationship'],
  'name-change': ['familyName', 'givenName', 'familyNameKana', 'givenNameKana'],
  death: [],
  correction: MUTABLE_ITEMS,
};

export interface LifeEventInput {
  readonly kind: LifeEventKind;
  readonly effectiveDate: string;
  readonly reason?: string | undefined;
  readonly changes?: Readonly<Partial<Record<MutableItem, string | null>>> | undefined;
  /** The version the clerk saw; a mismatch means someone else changed the record. */
  readonly expectedVersion?: number | undefined;
}

const PERSONAL_ITEM: Record<MutableItem, import('../audit/index.ts').PersonalItem> = {
  municipalityCode: 'municipality',
  familyName: 'name',
  givenName: 'name',
  familyNameKana: 'kana',
  givenNameKana: 'kana',
  birthDate: 'birth-date',
  sex: 'sex',
  postalCode: 'address',
  address: 'address',
  nationality: 'nationality',
  residenceStatus: 'nationality',
  householdId: 'household',
  relationship: 'household',
};

export function createLifeEvents(ctx: RegistryContext) {
  const { store, clock } = ctx;

  return {
    async record(residentId: string, input: LifeEventInput, actor: Actor): Promise<Resident> {
      const problems: ErrorDetail[] = [];
      const kind = input.kind;
      if (!(kind in ALLOWED)) {
        throw registryError('REGISTRY_INVALID_EVENT', 'invalid', [
          { at: 'kind', code: 'EVENT_KIND_UNKNOWN', message: `unknown event kind ${String(kind)}` },
        ]);
      }
      const changes = input.changes ?? {};
      for (const key of Object.keys(changes)) {
        if (!ALLOWED[kind].includes(key as MutableItem)) {
          problems.push({
            at: `changes.${key}`,
            code: 'EVENT_ITEM_NOT_ALLOWED',
            message: `a ${kind} event cannot change ${key}`,
          });
        }
      }
      if (kind === 'correction' && (input.reason ?? '').trim() === '') {
        problems.push({
          at: 'reason',
          code: 'EVENT_REASON_REQUIRED',
          message: 'a correction needs a reason',
        });
      }
      if (kind === 'move' && changes.address === undefined) {
        problems.push({
          at: 'changes.address',
          code: 'EVENT_ADDRESS_REQUIRED',
          message: 'a move needs the new address',
        });
      }
      const date = parseDate(input.effectiveDate ?? '');
      if (!date.ok) problems.push({ at: 'effectiveDate', code: date.code, message: date.message });
      if (problems.length > 0) throw registryError('REGISTRY_INVALID_EVENT', 'invalid', problems);
      const effectiveDate = (date as { value: string }).value;

      return store.db.transaction().execute(async (trx) => {
        const t = registryTables(trx);
        const row = await t
          .selectFrom('resident')
          .selectAll()
          .where('id', '=', residentId)
          .executeTakeFirst();
        if (row === undefined) throw registryError('REGISTRY_RESIDENT_NOT_FOUND', 'not-found');
        const current = fromRow(row);
        if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
          throw registryError('REGISTRY_VERSION_CONFLICT', 'conflict');
        }
        if (current.status === 'deceased' && kind !== 'correction') {
          throw registryError('REGISTRY_RESIDENT_DECEASED', 'conflict');
        }
        const validation = await ctx.validationContext(trx);
        const dateProblems: ErrorDetail[] = [];
        if (effectiveDate > validation.today) {
          dateProblems.push({
            at: 'effectiveDate',
            code: 'DATE_IN_FUTURE',
            message: 'effectiveDate is in the future',
          });
        }
        if (effectiveDate < current.birthDate) {
          dateProblems.push({
            at: 'effectiveDate',
            code: 'DATE_BEFORE_BIRTH',
            message: 'effectiveDate is before the birth date',
          });
        }
        if (dateProblems.length > 0) throw registryError('REGISTRY_INVALID_EVENT', 'invalid', dateProblems);

        // Validate the whole record as it would be after the event.
        const merged: Record<string, unknown> = {};
        for (const item of MUTABLE_ITEMS) {
          const next = item in changes ? changes[item] : current[item];
          if (next !== null && next !== undefined) merged[item] = String(next);
        }
        const checked = validateResident(merged, validation);
        if (!checked.ok) throw registryError('REGISTRY_INVALID_EVENT', 'invalid', checked.errors);

        const diff: Record<string, { before: unknown; after: unknown }> = {};
        const set: Record<string, unknown> = {};
        for (const item of MUTABLE_ITEMS) {
          const before = current[item] ?? null;
          const after = (checked.value[item] as string | undefined) ?? null;
          if (before !== after) {
            diff[item] = { before, after };
            set[columnOf(item)] = after;
          }
        }
        if (kind !== 'death' && Object.keys(diff).length === 0) {
          throw registryError('REGISTRY_INVALID_EVENT', 'invalid', [
            { at: 'changes', code: 'EVENT_NO_CHANGE', message: 'the event changes nothing' },
          ]);
        }
        const now = clock.now();
        const updated = await t
          .updateTable('resident')
          .set({
            ...set,
            ...searchKeys(checked.value),
            ...(kind === 'death' ? { status: 'deceased' as const } : {}),
            updated_at: now.toISOString(),
            version: current.version + 1,
          })
          .where('id', '=', residentId)
          .where('version', '=', current.version)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1)
          throw registryError('REGISTRY_VERSION_CONFLICT', 'conflict');
        if (kind === 'death') diff['status'] = { before: current.status, after: 'deceased' };

        await t
          .insertInto('resident_event')
          .values({
            id: ctx.newId(),
            resident_id: residentId,
            kind,
            effective_date: effectiveDate,
            recorded_at: now.toISOString(),
            actor_id: actor.id,
            actor_role: actor.role,
            reason: input.reason?.trim() || null,
            changes: JSON.stringify(diff),
          })
          .execute();

        const changedBasic = BASIC_ITEMS.filter((i) => i in diff);
        if (changedBasic.length > 0) {
          await appendEvent(trx, {
            topic: 'resident.basic-items-changed',
            payload: { residentId, items: changedBasic.join(','), effectiveDate },
            at: now,
          });
        }
        if ('municipalityCode' in diff) {
          await appendEvent(trx, {
            topic: 'resident.moved-municipality',
            payload: {
              residentId,
              from: current.municipalityCode,
              to: String(diff['municipalityCode']?.after),
              effectiveDate,
            },
            at: now,
          });
        }
        if (kind === 'death') {
          await appendEvent(trx, { topic: 'resident.died', payload: { residentId, effectiveDate }, at: now });
        }
        const items = [
          ...new Set(
            Object.keys(diff)
              .filter((k) => k !== 'status')
              .map((k) => PERSONAL_ITEM[k as MutableItem]),
          ),
        ];
        await recordAccess(trx, store.capabilities, [
          { actor, action: 'update', residentId, items: kind === 'death' ? ['status'] : items, at: now },
        ]);
        const after = await t
          .selectFrom('resident')
          .selectAll()
          .where('id', '=', residentId)
          .executeTakeFirstOrThrow();
        return fromRow(after);
      });
    },

    /** Retires a leaked number and issues a new one; identity and history stay. */
    async reassignNumber(residentId: string, reason: string, actor: Actor): Promise<{ numberLast4: string }> {
      if (reason.trim() === '') {
        throw registryError('REGISTRY_INVALID_EVENT', 'invalid', [
          { at: 'reason', code: 'EVENT_REASON_REQUIRED', message: 'say why the number is replaced' },
        ]);
      }
      return store.db.transaction().execute(async (trx) => {
        const t = registryTables(trx);
        const row = await t
          .selectFrom('resident')
          .select(['id', 'status', 'version'])
          .where('id', '=', residentId)
          .executeTakeFirst();
        if (row === undefined) throw registryError('REGISTRY_RESIDENT_NOT_FOUND', 'not-found');
        if (row.status === 'deceased') throw registryError('REGISTRY_RESIDENT_DECEASED', 'conflict');
        const now = clock.now();
        const number = await ctx.vault.reassign(trx, residentId, reason.trim(), now);
        await t
          .insertInto('resident_event')
          .values({
            id: ctx.newId(),
            resident_id: residentId,
            kind: 'number-reassignment',
            effective_date: (await ctx.validationContext(trx)).today,
            recorded_at: now.toISOString(),
            actor_id: actor.id,
            actor_role: actor.role,
            reason: reason.trim(),
            changes: null,
          })
          .execute();
        await t
          .updateTable('resident')
          .set({ updated_at: now.toISOString(), version: Number(row.version) + 1 })
          .where('id', '=', residentId)
          .execute();
        await appendEvent(trx, { topic: 'number.reassigned', payload: { residentId }, at: now });
        await recordAccess(trx, store.capabilities, [
          { actor, action: 'reassign-number', residentId, items: ['number'], at: now },
        ]);
        return { numberLast4: number.slice(-4) };
      });
    },
  };
}

export type LifeEvents = ReturnType<typeof createLifeEvents>;
