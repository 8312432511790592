import { type Kysely, sql } from 'kysely';
import { type AnyDb, clusteredByPrimaryKey, type DomainMigration } from '../store/index.ts';

/**
 * The PKI's tables. Certificates carry the card id, never the holder's items: the DER
 * of a signature certificate (which holds the 4 basic items) is not stored, only its
 * SHA-256. Each status change is an event, so the status at any past instant can be
 * answered (signatures are checked as of their signing time); the certificate row
 * keeps the current status for CRLs and OCSP.
 */
export type PkiTables = {
  pki_authority: {
    ca: string;
    subject: string;
    key_label: string;
    serial: string;
    der: Buffer;
    sha256: string;
    not_before: string;
    not_after: string;
    /** Bumped with every status change of a certificate this CA issued (for CRL caching). */
    revision: number;
    created_at: string;
  };
  pki_certificate: {
    serial: string;
    ca: string;
    kind: string;
    card_id: string;
    not_before: string;
    not_after: string;
    /** Authentication certificates only; null for signature certificates (personal data). */
    der: Buffer | null;
    sha256: string;
    issued_at: string;
    status: 'good' | 'hold' | 'revoked';
    reason: string | null;
    status_at: string | null;
    status_seq: number;
  };
  pki_status_event: {
    serial: string;
    seq: number;
    ca: string;
    status: 'revoked' | 'hold' | 'released';
    reason: string | null;
    at: string;
    recorded_at: string;
  };
  pki_crl: {
    ca: string;
    number: number;
    revision: number;
    this_update: string;
    next_update: string;
    der: Buffer;
  };
};

export function pkiTables(db: AnyDb): Kysely<PkiTables> {
  return db.withTables<PkiTables>();
}

export const pkiMigrations: DomainMigration[] = [
  {
    name: '0005-pki-init',
    async up(db, capabilities) {
      const blob = capabilities.dialect === 'postgres' ? 'bytea' : 'blob';
      await db.schema
        .createTable('pki_authority')
        .addColumn('ca', 'text', (c) => c.primaryKey())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('key_label', 'text', (c) => c.notNull())
        .addColumn('serial', 'text', (c) => c.notNull())
        .addColumn('der', blob, (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('not_before', 'text', (c) => c.notNull())
        .addColumn('not_after', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('pki_certificate')
        .addColumn('serial', 'text', (c) => c.primaryKey())
        .addColumn('ca', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('card_id', 'text', (c) => c.notNull())
        .addColumn('not_before', 'text', (c) => c.notNull())
        .addColumn('not_after', 'text', (c) => c.notNull())
        .addColumn('der', blob)
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('status_at', 'text')
        .addColumn('status_seq', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('pki_certificate_card')
        .on('pki_certificate')
        .columns(['card_id', 'issued_at'])
        .execute();
      // Only revoked and held certificates are indexed: a CRL reads just those.
      await db.schema
        .createIndex('pki_certificate_revoked')
        .on('pki_certificate')
        .columns(['ca', 'serial'])
        .where(sql.ref('status'), '<>', 'good')
        .execute();

      await clusteredByPrimaryKey(db.schema.createTable('pki_status_event'), capabilities)
        .addColumn('serial', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('ca', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('pki_status_event_pk', ['serial', 'seq'])
        .execute();

      await db.schema
        .createTable('pki_crl')
        .addColumn('ca', 'text', (c) => c.primaryKey())
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('this_update', 'text', (c) => c.notNull())
        .addColumn('next_update', 'text', (c) => c.notNull())
        .addColumn('der', blob, (c) => c.notNull())
        .execute();
    },
  },
];
