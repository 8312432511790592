import type { Kysely } from 'kysely';
import type { AnyDb, DomainMigration } from '../store/index.ts';

/**
 * The insurers' own store. A person appears here only as the insurer's pseudonym (from
 * the network) — never the resident id, never the individual number, never a name or an
 * address. What a supervisor needs to compare while a link waits for review is kept
 * sealed (AES-256-GCM) and dropped once the review is decided.
 */
export type InsuranceTables = {
  insurer: {
    institution_id: string;
    insurer_number: string;
    kind: string;
    name: string;
    created_at: string;
  };
  enrolment: {
    id: string;
    insurer_number: string;
    symbol: string;
    number: string;
    branch: string;
    relation: string;
    insured_enrolment_id: string | null;
    insured_relation: string | null;
    card_classification: string;
    copay_ratio: number;
    qualification_date: string;
    valid_until: string | null;
    high_cost_category: string | null;
    /** 'linked' | 'review' (waiting for a supervisor) | 'rejected' (never linked). */
    link_status: string;
    /** The insurer's pseudonym for the person; null until linked. */
    pseudonym: string | null;
    /** 'rule' (exact four-item match) or 'supervisor'. */
    linked_by: string | null;
    linked_at: string | null;
    /** Keyed digest of the register's four items at link time, for the consistency sweep. */
    register_digest: string | null;
    /** Whether the form carried the individual number (the number itself is never kept). */
    number_given: number;
    ended_at: string | null;
    end_reason: string | null;
    superseded_by: string | null;
    /** insurer|symbol|number|branch while in force, else null: a portable partial unique key. */
    active_key: string | null;
    submitted_at: string;
    submitted_by: string;
  };
  link_review: {
    id: string;
    enrolment_id: string;
    insurer_number: string;
    status: string;
    submitted_at: string;
    reasons: string;
    /** Sealed JSON: the record's four items and the candidates' keyed tokens. Null once decided. */
    evidence: string | null;
    decided_at: string | null;
    decided_by: string | null;
    decision_reason: string | null;
  };
};

export function insuranceTables(db: AnyDb): Kysely<InsuranceTables> {
  return db.withTables<InsuranceTables>();
}

export const insuranceMigrations: DomainMigration[] = [
  {
    name: '0014-insurance-enrolment',
    async up(db) {
      await db.schema
        .createTable('insurer')
        .addColumn('institution_id', 'text', (c) => c.primaryKey())
        .addColumn('insurer_number', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('enrolment')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('insurer_number', 'text', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('branch', 'text', (c) => c.notNull())
        .addColumn('relation', 'text', (c) => c.notNull())
        .addColumn('insured_enrolment_id', 'text')
        .addColumn('insured_relation', 'text')
        .addColumn('card_classification', 'text', (c) => c.notNull())
        .addColumn('copay_ratio', 'integer', (c) => c.notNull())
        .addColumn('qualification_date', 'text', (c) => c.notNull())
        .addColumn('valid_until', 'text')
        .addColumn('high_cost_category', 'text')
        .addColumn('link_status', 'text', (c) => c.notNull())
        .addColumn('pseudonym', 'text')
        .addColumn('linked_by', 'text')
        .addColumn('linked_at', 'text')
        .addColumn('register_digest', 'text')
        .addColumn('number_given', 'integer', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addColumn('end_reason', 'text')
        .addColumn('superseded_by', 'text')
        .addColumn('active_key', 'text')
        .addColumn('submitted_at', 'text', (c) => c.notNull())
        .addColumn('submitted_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('enrolment_active_key')
        .unique()
        .on('enrolment')
        .column('active_key')
        .execute();
      await db.schema
        .createIndex('enrolment_pseudonym')
        .on('enrolment')
        .columns(['insurer_number', 'pseudonym'])
        .execute();
      await db.schema
        .createIndex('enrolment_insurer')
        .on('enrolment')
        .columns(['insurer_number', 'id'])
        .execute();
      await db.schema
        .createTable('link_review')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('enrolment_id', 'text', (c) => c.notNull())
        .addColumn('insurer_number', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('submitted_at', 'text', (c) => c.notNull())
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text')
        .addColumn('decided_at', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('decision_reason', 'text')
        .execute();
      await db.schema.createIndex('link_review_status').on('link_review').columns(['status', 'id']).execute();
    },
  },
];
