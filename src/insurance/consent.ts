import type { Kysely } from 'kysely';
import { uuidv7 } from '../core/index.ts';
import type { AnyDb } from '../store/index.ts';

/**
 * Consent chosen by the patient at the reader (DOMAIN.md §2.2, consent screens): per item,
 * for one medical institution, for 24 hours. Changing it needs a new card check, so only a
 * confirmation with the card (PIN or visual) records one; a later confirmation at the same
 * institution within 24 hours sees it, another institution never does. Rows name the
 * patient by the institution's own pseudonym, never the resident id or the number.
 */
export const CONSENT_ITEMS = ['medication', 'checkups', 'treatment', 'surgery', 'high-cost'] as const;
export type ConsentItem = (typeof CONSENT_ITEMS)[number];

/** What each item lets the institution see, as the reader's screens name them. */
export const CONSENT_LABELS: Readonly<Record<ConsentItem, string>> = {
  medication: '薬剤情報 (past medication)',
  checkups: '特定健診情報 (specific health check-ups)',
  treatment: '診療情報 (medical treatment information)',
  surgery: '手術情報 (surgery)',
  'high-cost': '限度額適用区分 (high-cost care category)',
};

/** Consent lasts 24 hours. */
export const CONSENT_TTL_MS = 24 * 3_600_000;

export interface Consent {
  readonly items: ConsentItem[];
  readonly givenAt: string;
  readonly expiresAt: string;
}

export type ConsentTables = {
  insurance_consent: {
    id: string;
    institution_id: string;
    pseudonym: string;
    items: string;
    given_at: string;
    expires_at: string;
  };
};

const tables = (db: AnyDb): Kysely<ConsentTables> => db.withTables<ConsentTables>();

/** The items in a stable order, without duplicates. */
export function consentItems(chosen: Iterable<string>): ConsentItem[] {
  const set = new Set(chosen);
  return CONSENT_ITEMS.filter((i) => set.has(i));
}

/** Records a consent (in the caller's transaction) and returns it. */
export async function giveConsent(
  db: AnyDb,
  input: { institutionId: string; pseudonym: string; items: readonly ConsentItem[]; at: Date },
): Promise<Consent> {
  const items = consentItems(input.items);
  const expiresAt = new Date(input.at.getTime() + CONSENT_TTL_MS).toISOString();
  await tables(db)
    .insertInto('insurance_consent')
    .values({
      id: uuidv7(input.at.getTime()),
      institution_id: input.institutionId,
      pseudonym: input.pseudonym,
      items: items.join(','),
      given_at: input.at.toISOString(),
      expires_at: expiresAt,
    })
    .execute();
  return { items, givenAt: input.at.toISOString(), expiresAt };
}

/** The newest consent still in force for this institution and patient, if any. */
export async function currentConsent(
  db: AnyDb,
  institutionId: string,
  pseudonym: string,
  at: Date,
): Promise<Consent | undefined> {
  const row = await tables(db)
    .selectFrom('insurance_consent')
    .select(['items', 'given_at', 'expires_at'])
    .where('institution_id', '=', institutionId)
    .where('pseudonym', '=', pseudonym)
    .where('expires_at', '>', at.toISOString())
    .where('given_at', '<=', at.toISOString())
    .orderBy('given_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    items: consentItems(row.items === '' ? [] : row.items.split(',')),
    givenAt: row.given_at,
    expiresAt: row.expires_at,
  };
}
