import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type Clock, systemClock } from '../core/index.ts';
import type { KeyRing } from '../keys/index.ts';
import type { AnyDb, DomainMigration } from '../store/index.ts';

/**
 * Per-institution pseudonyms (情報提供用個人識別符号, formerly 機関別符号). An institution
 * never holds the individual number or another institution's code for a person: it holds
 * its own pseudonym, and only the network can translate. The pseudonym is a keyed hash of
 * (institution, resident), so it is stable, differs for every institution, and says
 * nothing about the resident without the network's key. Each pseudonym handed out is kept
 * in `network_link`, the one table that joins a pseudonym to a resident.
 */
type NetworkTables = {
  network_link: {
    institution_id: string;
    pseudonym: string;
    resident_id: string;
    created_at: string;
  };
};

export const networkMigrations: DomainMigration[] = [
  {
    name: '0013-network-pseudonyms',
    async up(db) {
      await db.schema
        .createTable('network_link')
        .addColumn('institution_id', 'text', (c) => c.notNull())
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('resident_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('network_link_pk', ['institution_id', 'pseudonym'])
        .execute();
      // Unique per (institution, resident); led by resident_id so linksOf uses it too.
      await db.schema
        .createIndex('network_link_resident')
        .unique()
        .on('network_link')
        .columns(['resident_id', 'institution_id'])
        .execute();
    },
  },
];

export interface PseudonymDeps {
  readonly db: AnyDb;
  readonly keys: KeyRing;
  /** When a pseudonym was first handed out (defaults to the system clock). */
  readonly clock?: Clock | undefined;
}

export interface Pseudonyms {
  /** The institution's pseudonym (institution-specific code) for a resident; created and recorded on first use. */
  pseudonymOf(institutionId: string, residentId: string, trx?: AnyDb): Promise<string>;
  /** The resident behind an institution's pseudonym, if the network handed it out. */
  residentOf(institutionId: string, pseudonym: string, trx?: AnyDb): Promise<string | undefined>;
  /** Every (institution, pseudonym) a resident has — only the network calls this. */
  linksOf(residentId: string, trx?: AnyDb): Promise<{ institutionId: string; pseudonym: string }[]>;
  /** The pseudonym without recording it (to compare with one already held). */
  compute(institutionId: string, residentId: string): string;
}

/** base64url(HMAC-SHA-256(key, institutionId ‖ 0x00 ‖ residentId)). */
export function computePseudonym(key: Buffer, institutionId: string, residentId: string): string {
  return createHmac('sha256', key)
    .update(institutionId)
    .update(Buffer.of(0))
    .update(residentId)
    .digest('base64url');
}

export function createPseudonyms(deps: PseudonymDeps): Pseudonyms {
  const key = deps.keys.derive('network-pseudonym');
  const clock = deps.clock ?? systemClock;
  const t = (db: AnyDb = deps.db): Kysely<NetworkTables> => db.withTables<NetworkTables>();
  const compute = (institutionId: string, residentId: string): string => {
    if (institutionId === '' || residentId === '') throw new Error('institution and resident ids are needed');
    return computePseudonym(key, institutionId, residentId);
  };
  return {
    compute,
    async pseudonymOf(institutionId, residentId, trx) {
      const pseudonym = compute(institutionId, residentId);
      await t(trx)
        .insertInto('network_link')
        .values({
          institution_id: institutionId,
          pseudonym,
          resident_id: residentId,
          created_at: clock.now().toISOString(),
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return pseudonym;
    },
    async residentOf(institutionId, pseudonym, trx) {
      const row = await t(trx)
        .selectFrom('network_link')
        .select('resident_id')
        .where('institution_id', '=', institutionId)
        .where('pseudonym', '=', pseudonym)
        .executeTakeFirst();
      return row?.resident_id;
    },
    async linksOf(residentId, trx) {
      const rows = await t(trx)
        .selectFrom('network_link')
        .select(['institution_id', 'pseudonym'])
        .where('resident_id', '=', residentId)
        .orderBy('institution_id')
        .execute();
      return rows.map((r) => ({ institutionId: r.institution_id, pseudonym: r.pseudonym }));
    },
  };
}
