import { sql } from 'kysely';
import { type Clock, jstDate, uuidv7 } from '../core/index.ts';
import type { KeyRing } from '../keys/index.ts';
import {
  createDecimalPermutation,
  createNumberSealer,
  type NumberSealer,
  type NumberVault,
  sealerKeys,
} from '../number/index.ts';
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
  /** Numbers from reserved counters, sealed for the vault. */
  readonly sealer: NumberSealer;
}

const CODE_DIGITS = 11;

/**
 * 住民票コード from counters: a keyed permutation of the counter, like the number, but
 * under its own key, so knowing one says nothing about the other.
 */
export function createResidentCodeMaker(key: Buffer): (first: number, count: number) => string[] {
  const permutation = createDecimalPermutation(key, Buffer.from('resident-code'), CODE_DIGITS);
  return (first, count) => {
    const counters = new Float64Array(count);
    for (let i = 0; i < count; i++) counters[i] = first + i;
    return Array.from(permutation.encryptBatch(counters), (c) => String(c).padStart(CODE_DIGITS, '0'));
  };
}

/** Reserves `count` values of a registry counter and returns the first. */
export async function reserveCounter(db: AnyDb, name: string, count: number): Promise<number> {
  const t = registryTables(db);
  const updated = await t
    .updateTable('registry_counter')
    .set({ next_value: sql`next_value + ${count}` })
    .where('name', '=', name)
    .returning('next_value')
    .executeTakeFirst();
  if (updated !== undefined) return Number(updated.next_value) - count;
  await t.insertInto('registry_counter').values({ name, next_value: count }).execute();
  return 0;
}

export function createRegistryContext(deps: RegistryDeps): RegistryContext {
  const codesFor = createResidentCodeMaker(deps.keys.derive('resident-code-permutation'));
  return {
    ...deps,
    sealer: createNumberSealer(sealerKeys(deps.keys)),
    newId: () => uuidv7(deps.clock.now().getTime()),
    async validationContext(db = deps.store.db) {
      const rows = await registryTables(db).selectFrom('municipality').select('code').execute();
      return { municipalities: new Set(rows.map((r) => r.code)), today: jstDate(deps.clock.now()) };
    },
    async residentCodes(db, count) {
      if (count === 0) return [];
      return codesFor(await reserveCounter(db, 'resident-code', count), count);
    },
  };
}
