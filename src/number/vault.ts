import { sql } from 'kysely';
import { AppError } from '../core/index.ts';
import type { KeyRing } from '../keys/index.ts';
import { type AnyDb, type Capabilities, insertRows } from '../store/index.ts';
import { createNumberSealer, type SealedNumber, sealerKeys } from './number-sealer.ts';
import { numberTables } from './number-tables.ts';

const COUNTER = 'individual-number';
const VAULT_COLUMNS = ['id', 'resident_id', 'blind_index', 'sealed', 'key_id', 'status', 'issued_at'];

export interface NumberVault {
  /**
   * Issues a new number to each resident, in one step: a counter range is reserved,
   * each counter value goes through a keyed format-preserving permutation (FF1) of the
   * 11-digit space, and the check digit is appended. Distinct counters give distinct
   * numbers, so no retry loop is needed and the millionth costs what the first did.
   */
  issue(db: AnyDb, residentIds: readonly string[], at: Date): Promise<string[]>;
  /**
   * Reserves `count` counter values for numbers sealed elsewhere (a bulk import's
   * worker) and returns the first. Values reserved but never stored are burnt: a
   * number is never issued twice, and a gap reveals nothing.
   */
  reserve(db: AnyDb, count: number): Promise<number>;
  /** Stores vault rows made by {@link NumberSealer.vaultRow} (e.g. on a worker thread). */
  storeRows(db: AnyDb, rows: readonly unknown[][]): Promise<void>;
  /** The resident holding this number now; `retired` if it was replaced. */
  lookup(
    db: AnyDb,
    number: string,
  ): Promise<{ residentId: string; status: 'active' | 'retired' } | undefined>;
  /** The resident's current number. */
  reveal(db: AnyDb, residentId: string): Promise<string>;
  /** Retires the current number for good and issues a new one (番号法 art. 7(2)). */
  reassign(db: AnyDb, residentId: string, reason: string, at: Date): Promise<string>;
  /** The blind index of a number, for callers that must compare without storing it. */
  blindIndex(number: string): Buffer;
}

export function createNumberVault(keys: KeyRing, capabilities: Capabilities): NumberVault {
  const sealer = createNumberSealer(sealerKeys(keys));

  async function reserve(db: AnyDb, count: number): Promise<number> {
    const t = numberTables(db);
    const updated = await t
      .updateTable('number_counter')
      .set({ next_value: sql`next_value + ${count}` })
      .where('name', '=', COUNTER)
      .returning('next_value')
      .executeTakeFirst();
    let end: number;
    if (updated === undefined) {
      await t.insertInto('number_counter').values({ name: COUNTER, next_value: count }).execute();
      end = count;
    } else {
      end = Number(updated.next_value);
    }
    if (end > sealer.domain) {
      throw new AppError('NUMBER_SPACE_EXHAUSTED', 'internal', 'the individual-number space is exhausted');
    }
    return end - count;
  }

  async function storeRows(db: AnyDb, rows: readonly unknown[][]): Promise<void> {
    await insertRows(db, capabilities, 'number_vault', VAULT_COLUMNS, rows);
  }

  async function storeSealed(
    db: AnyDb,
    rows: readonly { residentId: string; number: SealedNumber }[],
    at: Date,
  ): Promise<void> {
    await storeRows(
      db,
      rows.map((r) => sealer.vaultRow(r.residentId, r.number, at)),
    );
  }

  const vault: NumberVault = {
    blindIndex: sealer.blindIndex,
    reserve,
    storeRows,

    async issue(db, residentIds, at) {
      if (residentIds.length === 0) return [];
      const numbers = sealer.numbersFor(await reserve(db, residentIds.length), residentIds.length);
      await storeSealed(
        db,
        residentIds.map((residentId, i) => ({
          residentId,
          number: sealer.sealedFor(numbers[i]!, residentId),
        })),
        at,
      );
      return numbers;
    },

    async lookup(db, number) {
      const row = await numberTables(db)
        .selectFrom('number_vault')
        .select(['resident_id', 'status'])
        .where('blind_index', '=', sealer.blindIndex(number))
        .executeTakeFirst();
      return row === undefined ? undefined : { residentId: row.resident_id, status: row.status };
    },

    async reveal(db, residentId) {
      const row = await numberTables(db)
        .selectFrom('number_vault')
        .select('sealed')
        .where('resident_id', '=', residentId)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (row === undefined)
        throw new AppError('NUMBER_NOT_ISSUED', 'not-found', 'this resident has no number');
      return sealer.unseal(Buffer.from(row.sealed), residentId);
    },

    async reassign(db, residentId, reason, at) {
      const retired = await numberTables(db)
        .updateTable('number_vault')
        .set({ status: 'retired', retired_at: at.toISOString(), retire_reason: reason })
        .where('resident_id', '=', residentId)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (Number(retired.numUpdatedRows) !== 1) {
        throw new AppError('NUMBER_NOT_ISSUED', 'not-found', 'this resident has no number to replace');
      }
      const [number] = await vault.issue(db, [residentId], at);
      return number!;
    },
  };
  return vault;
}
