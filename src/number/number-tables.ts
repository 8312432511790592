import { type Kysely, sql } from 'kysely';
import { type AnyDb, clusteredByPrimaryKey, type DomainMigration } from '../store/index.ts';

/**
 * The number vault: the only place an individual number is kept. The number is
 * encrypted (AES-256-GCM, bound to the resident id), and found again through a keyed
 * blind index (HMAC-SHA-256). Retired numbers stay, marked retired, so the unique
 * blind index also guarantees that no number is ever issued twice.
 */
export type NumberTables = {
  number_vault: {
    id: string;
    resident_id: string;
    blind_index: Buffer;
    sealed: Buffer;
    key_id: string;
    status: 'active' | 'retired';
    issued_at: string;
    retired_at: string | null;
    retire_reason: string | null;
  };
  number_counter: {
    name: string;
    next_value: number | string;
  };
};

export function numberTables(db: AnyDb): Kysely<NumberTables> {
  return db.withTables<NumberTables>();
}

export const numberMigrations: DomainMigration[] = [
  {
    name: '0002-number-vault',
    async up(db, capabilities) {
      const blob = capabilities.dialect === 'postgres' ? 'bytea' : 'blob';
      await clusteredByPrimaryKey(db.schema.createTable('number_vault'), capabilities)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('resident_id', 'text', (c) => c.notNull())
        .addColumn('blind_index', blob, (c) => c.notNull())
        .addColumn('sealed', blob, (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('retired_at', 'text')
        .addColumn('retire_reason', 'text')
        .execute();
      await db.schema
        .createIndex('number_vault_blind_index')
        .unique()
        .on('number_vault')
        .column('blind_index')
        .execute();
      await db.schema
        .createIndex('number_vault_active_resident')
        .unique()
        .on('number_vault')
        .column('resident_id')
        .where(sql.ref('status'), '=', 'active')
        .execute();
      await db.schema
        .createTable('number_counter')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('next_value', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
];
