import type { Kysely } from 'kysely';
import { type AnyDb, clusteredByPrimaryKey, type DomainMigration } from '../store/index.ts';

/**
 * The resident register. One row per resident holds the current state; every change
 * is also a `resident_event` row holding what the change replaced, so any past state
 * can be rebuilt by walking back from the current one.
 */
export type RegistryTables = {
  municipality: { code: string; prefecture: string; name: string };
  resident: {
    id: string;
    municipality_code: string;
    status: 'active' | 'deceased';
    resident_code: string;
    local_id: string | null;
    family_name: string;
    given_name: string | null;
    family_name_kana: string | null;
    given_name_kana: string | null;
    birth_date: string;
    sex: string;
    postal_code: string | null;
    address: string;
    nationality: string;
    residence_status: string | null;
    household_id: string | null;
    relationship: string | null;
    name_key: string;
    kana_key: string | null;
    address_key: string;
    registered_at: string;
    updated_at: string;
    version: number;
  };
  resident_event: {
    id: string;
    resident_id: string;
    kind: string;
    effective_date: string;
    recorded_at: string;
    actor_id: string;
    actor_role: string;
    reason: string | null;
    changes: string | null;
  };
  registration_review: {
    id: string;
    status: 'pending' | 'approved' | 'rejected';
    submitted_at: string;
    submitted_by: string;
    input: string;
    candidate_ids: string;
    decided_at: string | null;
    decided_by: string | null;
    decision_reason: string | null;
    resident_id: string | null;
  };
  registry_counter: { name: string; next_value: number | string };
};

export function registryTables(db: AnyDb): Kysely<RegistryTables> {
  return db.withTables<RegistryTables>();
}

export const RESIDENT_COLUMNS = [
  'id',
  'municipality_code',
  'status',
  'resident_code',
  'local_id',
  'family_name',
  'given_name',
  'family_name_kana',
  'given_name_kana',
  'birth_date',
  'sex',
  'postal_code',
  'address',
  'nationality',
  'residence_status',
  'household_id',
  'relationship',
  'name_key',
  'kana_key',
  'address_key',
  'registered_at',
  'updated_at',
  'version',
] as const;

/** A resident row from its values in {@link RESIDENT_COLUMNS} order (as a worker sends them). */
export function residentRowFromValues(v: readonly unknown[]): RegistryTables['resident'] {
  const r = v as RegistryTables['resident'][keyof RegistryTables['resident']][];
  return {
    id: r[0] as string,
    municipality_code: r[1] as string,
    status: r[2] as 'active' | 'deceased',
    resident_code: r[3] as string,
    local_id: r[4] as string | null,
    family_name: r[5] as string,
    given_name: r[6] as string | null,
    family_name_kana: r[7] as string | null,
    given_name_kana: r[8] as string | null,
    birth_date: r[9] as string,
    sex: r[10] as string,
    postal_code: r[11] as string | null,
    address: r[12] as string,
    nationality: r[13] as string,
    residence_status: r[14] as string | null,
    household_id: r[15] as string | null,
    relationship: r[16] as string | null,
    name_key: r[17] as string,
    kana_key: r[18] as string | null,
    address_key: r[19] as string,
    registered_at: r[20] as string,
    updated_at: r[21] as string,
    version: r[22] as number,
  };
}

export const EVENT_COLUMNS = [
  'id',
  'resident_id',
  'kind',
  'effective_date',
  'recorded_at',
  'actor_id',
  'actor_role',
  'reason',
  'changes',
] as const;

export const registryMigrations: DomainMigration[] = [
  {
    name: '0003-registry-init',
    async up(db, capabilities) {
      await db.schema
        .createTable('municipality')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('prefecture', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .execute();
      // id is the distribution key when the register is sharded.
      let resident = db.schema.createTable('resident');
      for (const column of RESIDENT_COLUMNS) {
        if (column === 'version') resident = resident.addColumn(column, 'integer', (c) => c.notNull());
        else if (column === 'id') resident = resident.addColumn(column, 'text', (c) => c.primaryKey());
        else {
          const nullable = [
            'local_id',
            'given_name',
            'family_name_kana',
            'given_name_kana',
            'postal_code',
            'residence_status',
            'household_id',
            'relationship',
            'kana_key',
          ].includes(column);
          resident = resident.addColumn(column, 'text', (c) => (nullable ? c : c.notNull()));
        }
      }
      await resident.execute();
      await db.schema
        .createIndex('resident_code_unique')
        .unique()
        .on('resident')
        .column('resident_code')
        .execute();
      await db.schema
        .createIndex('resident_local_id_unique')
        .unique()
        .on('resident')
        .columns(['municipality_code', 'local_id'])
        .execute();
      await db.schema
        .createIndex('resident_name_birth')
        .on('resident')
        .columns(['name_key', 'birth_date'])
        .execute();
      await db.schema
        .createIndex('resident_kana_birth')
        .on('resident')
        .columns(['kana_key', 'birth_date'])
        .execute();

      await clusteredByPrimaryKey(db.schema.createTable('resident_event'), capabilities)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('resident_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('effective_date', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_role', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('changes', 'text')
        .execute();
      await db.schema
        .createIndex('resident_event_resident')
        .on('resident_event')
        .columns(['resident_id', 'id'])
        .execute();

      await db.schema
        .createTable('registration_review')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('submitted_at', 'text', (c) => c.notNull())
        .addColumn('submitted_by', 'text', (c) => c.notNull())
        .addColumn('input', 'text', (c) => c.notNull())
        .addColumn('candidate_ids', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('decision_reason', 'text')
        .addColumn('resident_id', 'text')
        .execute();
      await db.schema
        .createIndex('registration_review_status')
        .on('registration_review')
        .columns(['status', 'id'])
        .execute();

      await db.schema
        .createTable('registry_counter')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('next_value', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
];
