import { type PersonalItem, recordAccess } from '../audit/index.ts';
import type { Actor } from '../core/index.ts';
import type { LinkRecord } from '../registry/index.ts';
import type { AnyDb } from '../store/index.ts';
import type { InsuranceContext, Insurer } from './context.ts';
import { insuranceTables } from './insurance-tables.ts';
import type { LinkCandidate, LinkFacts } from './link-rule.ts';

/** A register entry as the link rule compares it; its key is the resident id (never stored). */
export function candidateOf(r: LinkRecord): LinkCandidate {
  return {
    key: r.residentId,
    familyName: r.familyName,
    givenName: r.givenName,
    familyNameKana: r.familyNameKana,
    givenNameKana: r.givenNameKana,
    birthDate: r.birthDate,
    sex: r.sex,
    address: r.address,
    householdId: r.householdId,
  };
}

export const LINK_ITEMS: readonly PersonalItem[] = ['name', 'kana', 'birth-date', 'sex', 'address'];

/**
 * Links an enrolment to a resident, in the caller's transaction: the insurer's pseudonym
 * (from the network) replaces the person, the register's four items at link time are kept
 * as a keyed digest for the consistency sweep, an older enrolment of the same person at
 * the same insurer is superseded, and an access record tells the resident. If the access
 * record fails, the transaction — and so the link — is undone.
 */
export async function linkEnrolment(
  ctx: InsuranceContext,
  trx: AnyDb,
  args: {
    enrolmentId: string;
    qualificationDate: string;
    insurer: Insurer;
    resident: LinkRecord;
    actor: Actor;
    linkedBy: 'rule' | 'supervisor';
    items: readonly PersonalItem[];
  },
): Promise<void> {
  const { insurer, resident } = args;
  const now = ctx.clock.now();
  const pseudonym = await ctx.network.pseudonymOf(insurer.institutionId, resident.residentId, trx);
  const t = insuranceTables(trx);
  await t
    .updateTable('enrolment')
    .set({
      link_status: 'linked',
      pseudonym,
      linked_by: args.linkedBy,
      linked_at: now.toISOString(),
      register_digest: ctx.crypto.factsDigest(resident as LinkFacts),
    })
    .where('id', '=', args.enrolmentId)
    .execute();
  // A newer qualification at the same insurer supersedes an older one still in force.
  await t
    .updateTable('enrolment')
    .set({
      ended_at: args.qualificationDate,
      end_reason: 'superseded',
      superseded_by: args.enrolmentId,
      active_key: null,
    })
    .where('insurer_number', '=', insurer.insurerNumber)
    .where('pseudonym', '=', pseudonym)
    .where('id', '!=', args.enrolmentId)
    .where('link_status', '=', 'linked')
    .where('ended_at', 'is', null)
    .where('qualification_date', '<', args.qualificationDate)
    .execute();
  await recordAccess(trx, ctx.store.capabilities, [
    { actor: args.actor, action: 'search', residentId: resident.residentId, items: args.items, at: now },
  ]);
}
