import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { AppError, randomView, uuidv7 } from '../core/index.ts';
import type { KeyRing } from '../keys/index.ts';
import { type AnyDb, type Capabilities, insertRows } from '../store/index.ts';
import { individualCheckDigit } from './check-digit.ts';
import { createDecimalPermutation } from './number-permutation.ts';
import { numberTables } from './number-tables.ts';

const BODY_DIGITS = 11;
const COUNTER = 'individual-number';
/** Sealed layout: 12-byte IV ‖ 16-byte tag ‖ ciphertext of the 12 ASCII digits. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VAULT_COLUMNS = ['id', 'resident_id', 'blind_index', 'sealed', 'key_id', 'status', 'issued_at'];

export interface NumberVault {
  /**
   * Issues a new number to each resident, in one step: a counter range is reserved,
   * each counter value goes through a keyed format-preserving permutation (FF1) of the
   * 11-digit space, and the check digit is appended. Distinct counters give distinct
   * numbers, so no retry loop is needed and the millionth costs what the first did.
   */
  issue(db: AnyDb, residentIds: readonly string[], at: Date): Promise<string[]>;
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
  const sealKey = keys.derive('number-vault-encryption');
  const indexKey = keys.derive('number-blind-index');
  const permutation = createDecimalPermutation(
    keys.derive('number-permutation'),
    Buffer.from('individual-number'),
    BODY_DIGITS,
  );

  const blindIndex = (number: string): Buffer => createHmac('sha256', indexKey).update(number).digest();

  function seal(number: string, residentId: string): Buffer {
    const iv = Buffer.from(randomView(IV_BYTES));
    const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
    // The resident id is authenticated data: a sealed number moved to another row fails.
    cipher.setAAD(Buffer.from(residentId));
    const body = Buffer.concat([cipher.update(number, 'ascii'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  function unseal(sealed: Buffer, residentId: string): string {
    const decipher = createDecipheriv('aes-256-gcm', sealKey, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(residentId));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('ascii');
    } catch (cause) {
      throw new AppError('NUMBER_VAULT_INTEGRITY', 'internal', 'a sealed number failed authentication', {
        cause,
      });
    }
  }

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
    if (end > permutation.DOMAIN) {
      throw new AppError('NUMBER_SPACE_EXHAUSTED', 'internal', 'the individual-number space is exhausted');
    }
    return end - count;
  }

  function numbersFor(first: number, count: number): string[] {
    const counters = new Float64Array(count);
    for (let i = 0; i < count; i++) counters[i] = first + i;
    const bodies = permutation.encryptBatch(counters);
    const out: string[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const body = String(bodies[i]).padStart(BODY_DIGITS, '0');
      out[i] = body + individualCheckDigit(body);
    }
    return out;
  }

  async function insert(
    db: AnyDb,
    residentIds: readonly string[],
    numbers: readonly string[],
    at: Date,
  ): Promise<void> {
    const issuedAt = at.toISOString();
    const rows = residentIds.map((residentId, i) => [
      uuidv7(at.getTime()),
      residentId,
      blindIndex(numbers[i]!),
      seal(numbers[i]!, residentId),
      keys.keyId,
      'active',
      issuedAt,
    ]);
    await insertRows(db, capabilities, 'number_vault', VAULT_COLUMNS, rows);
  }

  return {
    blindIndex,

    async issue(db, residentIds, at) {
      if (residentIds.length === 0) return [];
      const first = await reserve(db, residentIds.length);
      const numbers = numbersFor(first, residentIds.length);
      await insert(db, residentIds, numbers, at);
      return numbers;
    },

    async lookup(db, number) {
      const row = await numberTables(db)
        .selectFrom('number_vault')
        .select(['resident_id', 'status'])
        .where('blind_index', '=', blindIndex(number))
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
      return unseal(Buffer.from(row.sealed), residentId);
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
      const [number] = await this.issue(db, [residentId], at);
      return number!;
    },
  };
}
