import { sql } from 'kysely';
import { type Clock, jstDate, uuidv7 } from '../core/index.ts';
import type { KeyRing } from '../keys/index.ts';
import { createDecimalPermutation, type NumberVault } from '../number/index.ts';
import type { AnyDb, Store } from '../store/index.ts';
import { registryTables } from './registry-tables.ts';
import type { ValidationContext } from './validate-resident.ts';

/** What the register's use cases need, passed in once. */
export interface RegistryDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly vault: NumberVault;
  readonly keys: KeyRing;
}

export interface RegistryContext extends RegistryDeps {
  validationContext(db?: AnyDb): Promise<ValidationContext>;
  /** Reserves `count` resident codes (住民票コード) in one step. */
  residentCodes(db: AnyDb, count: number): Promise<string[]>;
  newId(): string;
}

const CODE_DIGITS = 11;

export function createRegistryContext(deps: RegistryDeps): RegistryContext {
  // The resident code is a keyed permutation of a counter, like the number, but under
  // its own key: knowing one says nothing about the other.
  const permutation = createDecimalPermutation(
    deps.keys.derive('resident-code-permutation'),
    Buffer.from('resident-code'),
    CODE_DIGITS,
  );
  return {
    ...deps,
    newId: () => uuidv7(deps.clock.now().getTime()),
    async validationContext(db = deps.store.db) {
      const rows = await registryTables(db).selectFrom('municipality').select('code').execute();
      return { municipalities: new Set(rows.map((r) => r.code)), today: jstDate(deps.clock.now()) };
    },
    async residentCodes(db, count) {
      if (count === 0) return [];
      const t = registryTables(db);
      const updated = await t
        .updateTable('registry_counter')
        .set({ next_value: sql`next_value + ${count}` })
        .where('name', '=', 'resident-code')
        .returning('next_value')
        .executeTakeFirst();
      let end = count;
      if (updated === undefined) {
        await t.insertInto('registry_counter').values({ name: 'resident-code', next_value: count }).execute();
      } else {
        end = Number(updated.next_value);
      }
      const counters = new Float64Array(count);
      for (let i = 0; i < count; i++) counters[i] = end - count + i;
      const codes = permutation.encryptBatch(counters);
      return Array.from(codes, (c) => String(c).padStart(CODE_DIGITS, '0'));
    },
  };
}
