import { type Kysely, sql } from 'kysely';
import type { AnyDb, DomainMigration } from '../store/index.ts';

/**
 * The card's tables. Personal data is not copied here: names, addresses and numbers
 * stay in the register and are read (and recorded) when a letter is printed or a chip
 * is written. What only this domain holds — the face photo, the contact address, the
 * printed security code, a chip waiting for hand-over — is sealed with AES-256-GCM
 * under the card key, bound to its row's id.
 */
export const APPLICATION_STATUSES = [
  'applied',
  'under-review',
  'approved',
  'rejected',
  'produced',
  'ready',
  'handed-over',
] as const;

export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

export type CardStatus = 'produced' | 'ready' | 'active' | 'suspended' | 'revoked' | 'expired';

export type CardTables = {
  /** A posted notice letter: its application code is the only way to apply by letter. */
  card_invitation: {
    code: string;
    resident_id: string;
    created_at: string;
    applied_at: string | null;
  };
  card_application: {
    id: string;
    code: string | null;
    resident_id: string;
    status: ApplicationStatus;
    channel: 'letter' | 'number';
    with_photo: number;
    photo_sealed: Uint8Array | null;
    contact_sealed: Uint8Array | null;
    reason: string | null;
    applied_at: string;
    updated_at: string;
    decided_by: string | null;
    card_id: string | null;
    version: number;
  };
  card: {
    id: string;
    resident_id: string;
    application_id: string;
    status: CardStatus;
    issued_on: string;
    expires_on: string;
    certificates_expire_on: string;
    with_signature: number;
    /** The printed security code, until hand-over (then only the holder has it). */
    security_sealed: Uint8Array | null;
    chip_sealed: Uint8Array | null;
    /** The chip's public keys (JSON of base64 SPKI) between production and hand-over. */
    public_keys: string | null;
    produced_at: string;
    handed_over_at: string | null;
    ended_at: string | null;
    end_reason: string | null;
    version: number;
  };
  /** The card's life, ids only: what happened, when, by whom, why. */
  card_event: {
    id: string;
    /** A card's or an application's id. */
    subject_id: string;
    kind: string;
    at: string;
    actor_id: string;
    actor_role: string;
    detail: string | null;
  };
};

export function cardTables(db: AnyDb): Kysely<CardTables> {
  return db.withTables<CardTables>();
}

export const cardMigrations: DomainMigration[] = [
  {
    name: '0006-card-init',
    async up(db, capabilities) {
      const blob = capabilities.dialect === 'postgres' ? 'bytea' : 'blob';
      await db.schema
        .createTable('card_invitation')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('resident_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('applied_at', 'text')
        .execute();
      // One letter per resident, and at most one application in progress.
      await db.schema
        .createIndex('card_invitation_resident')
        .unique()
        .on('card_invitation')
        .column('resident_id')
        .execute();
      await db.schema
        .createTable('card_application')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text')
        .addColumn('resident_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('with_photo', 'integer', (c) => c.notNull())
        .addColumn('photo_sealed', blob)
        .addColumn('contact_sealed', blob)
        .addColumn('reason', 'text')
        .addColumn('applied_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('card_id', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('card_application_status')
        .on('card_application')
        .columns(['status', 'applied_at'])
        .execute();
      await db.schema
        .createIndex('card_application_resident')
        .on('card_application')
        .column('resident_id')
        .execute();
      await db.schema
        .createIndex('card_application_open')
        .unique()
        .on('card_application')
        .column('resident_id')
        .where(sql.ref('status'), 'in', ['applied', 'under-review', 'approved', 'produced', 'ready'])
        .execute();
      await db.schema
        .createTable('card')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('resident_id', 'text', (c) => c.notNull())
        .addColumn('application_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('issued_on', 'text', (c) => c.notNull())
        .addColumn('expires_on', 'text', (c) => c.notNull())
        .addColumn('certificates_expire_on', 'text', (c) => c.notNull())
        .addColumn('with_signature', 'integer', (c) => c.notNull())
        .addColumn('security_sealed', blob)
        .addColumn('chip_sealed', blob)
        .addColumn('public_keys', 'text')
        .addColumn('produced_at', 'text', (c) => c.notNull())
        .addColumn('handed_over_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('end_reason', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('card_resident').on('card').columns(['resident_id', 'status']).execute();
      await db.schema
        .createIndex('card_status_expiry')
        .on('card')
        .columns(['status', 'expires_on'])
        .execute();
      await db.schema
        .createTable('card_event')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_role', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .execute();
      await db.schema
        .createIndex('card_event_subject')
        .on('card_event')
        .columns(['subject_id', 'at'])
        .execute();
    },
  },
];
