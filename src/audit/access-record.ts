import type { Kysely } from 'kysely';
import { type Actor, uuidv7 } from '../core/index.ts';
import {
  type AnyDb,
  type Capabilities,
  clusteredByPrimaryKey,
  type DomainMigration,
  insertRows,
} from '../store/index.ts';

/**
 * Access records: who, in which role, for what purpose, did what to which resident's
 * which items, and when. They carry ids, never the personal data itself, and are
 * written with the same transaction as the access, so no access goes unrecorded.
 */
export type AccessAction =
  | 'read'
  | 'search'
  | 'create'
  | 'update'
  | 'reveal-number'
  | 'reassign-number'
  /** A medical institution's online qualification confirmation (insurance). */
  | 'confirm-qualification';

/** The personal items an access touched. */
export type PersonalItem =
  | 'number'
  | 'name'
  | 'kana'
  | 'birth-date'
  | 'sex'
  | 'address'
  | 'municipality'
  | 'nationality'
  | 'household'
  | 'resident-code'
  | 'history'
  | 'status'
  /** Health-insurance qualification: insurer, 記号・番号・枝番, copay ratio, dates. */
  | 'insurance'
  /** 限度額適用区分: shown to a clinic only with the patient's consent. */
  | 'high-cost-category';

export interface AccessRecordInput {
  readonly actor: Actor;
  readonly action: AccessAction;
  readonly residentId: string;
  readonly items: readonly PersonalItem[];
  readonly at: Date;
}

export interface AccessRecord {
  readonly id: string;
  readonly at: string;
  readonly actorId: string;
  readonly actorRole: string;
  readonly purpose: string;
  readonly action: AccessAction;
  readonly residentId: string;
  readonly items: PersonalItem[];
  readonly requestId: string | null;
}

type AuditTables = {
  access_record: {
    id: string;
    at: string;
    actor_id: string;
    actor_role: string;
    purpose: string;
    action: string;
    resident_id: string;
    items: string;
    request_id: string | null;
  };
};

export const auditMigrations: DomainMigration[] = [
  {
    name: '0001-audit-access-record',
    async up(db, capabilities) {
      // resident_id is the distribution key when sharded.
      await clusteredByPrimaryKey(db.schema.createTable('access_record'), capabilities)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_role', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('resident_id', 'text', (c) => c.notNull())
        .addColumn('items', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .execute();
      await db.schema
        .createIndex('access_record_resident')
        .on('access_record')
        .columns(['resident_id', 'id'])
        .execute();
      await db.schema
        .createIndex('access_record_actor')
        .on('access_record')
        .columns(['actor_id', 'id'])
        .execute();
    },
  },
];

function tables(db: AnyDb): Kysely<AuditTables> {
  return db.withTables<AuditTables>();
}

const COLUMNS = [
  'id',
  'at',
  'actor_id',
  'actor_role',
  'purpose',
  'action',
  'resident_id',
  'items',
  'request_id',
];

/** An access record as the values of one table row, e.g. made ahead on a worker thread. */
export function accessRow(r: AccessRecordInput): unknown[] {
  return [
    uuidv7(r.at.getTime()),
    r.at.toISOString(),
    r.actor.id,
    r.actor.role,
    r.actor.purpose,
    r.action,
    r.residentId,
    r.items.join(','),
    r.actor.requestId ?? null,
  ];
}

/** Appends access records made by {@link accessRow}; pass the transaction of the access. */
export async function insertAccessRows(
  db: AnyDb,
  capabilities: Capabilities,
  rows: readonly unknown[][],
): Promise<void> {
  await insertRows(db, capabilities, 'access_record', COLUMNS, rows);
}

/** Appends access records; pass the transaction of the access itself. */
export async function recordAccess(
  db: AnyDb,
  capabilities: Capabilities,
  records: readonly AccessRecordInput[],
): Promise<void> {
  await insertAccessRows(db, capabilities, records.map(accessRow));
}

export async function listAccessRecords(
  db: AnyDb,
  filter: {
    residentId?: string | undefined;
    actorId?: string | undefined;
    after?: string | undefined;
    limit: number;
  },
): Promise<AccessRecord[]> {
  let q = tables(db).selectFrom('access_record').selectAll().orderBy('id').limit(filter.limit);
  if (filter.residentId !== undefined) q = q.where('resident_id', '=', filter.residentId);
  if (filter.actorId !== undefined) q = q.where('actor_id', '=', filter.actorId);
  if (filter.after !== undefined) q = q.where('id', '>', filter.after);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actorId: r.actor_id,
    actorRole: r.actor_role,
    purpose: r.purpose,
    action: r.action as AccessAction,
    residentId: r.resident_id,
    items: (r.items === '' ? [] : r.items.split(',')) as PersonalItem[],
    requestId: r.request_id,
  }));
}
