import { recordAccess } from '../audit/index.ts';
import type { Actor } from '../core/index.ts';
import type { InsuranceContext, Insurer } from './context.ts';
import { insuranceTables } from './insurance-tables.ts';
import { candidateOf, LINK_ITEMS } from './link-enrolment.ts';
import { decideLink, type LinkFacts } from './link-rule.ts';

/** Why a link looks wrong now. Stable lowercase codes. */
export type SuspectReason =
  | 'pseudonym-unresolved' // the network does not know the pseudonym the enrolment holds
  | 'resident-missing' // the network's resident is not in the register
  | 'resident-deceased'
  | 'items-changed-since-link' // the register's four items differ from those at link time
  | 'several-residents-match'; // another resident now has the same four items

export interface SuspectLink {
  readonly enrolmentId: string;
  readonly insurerNumber: string;
  readonly reasons: SuspectReason[];
}

export interface LinkAuditReport {
  readonly checked: number;
  readonly suspect: SuspectLink[];
}

const AUDIT_ACTOR: Actor = { id: 'system:insurance-audit', role: 'system', purpose: 'insurance-link-audit' };
const PAGE = 200;

/**
 * The consistency sweep (総点検): re-checks every link in force against the register. A
 * changed item may be an ordinary move or marriage, so it is reported, not undone: a
 * person looks at each suspect link. Each resident checked gets an access record.
 */
export function createLinkAudit(ctx: InsuranceContext) {
  return async function auditLinks(
    options: { onProgress?: (done: number, total: number) => void; actor?: Actor } = {},
  ): Promise<LinkAuditReport> {
    const actor = options.actor ?? AUDIT_ACTOR;
    const db = ctx.store.db;
    const live = () =>
      insuranceTables(db)
        .selectFrom('enrolment')
        .where('link_status', '=', 'linked')
        .where('ended_at', 'is', null);
    const total = Number(
      (
        await live()
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .executeTakeFirst()
      )?.n ?? 0,
    );
    const insurers = new Map<string, Insurer>();
    const suspect: SuspectLink[] = [];
    let checked = 0;
    let after = '';
    options.onProgress?.(0, total);
    for (;;) {
      const page = await live()
        .select(['id', 'insurer_number', 'pseudonym', 'register_digest'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(PAGE)
        .execute();
      if (page.length === 0) break;
      after = page.at(-1)!.id;
      await db.transaction().execute(async (trx) => {
        const residentOf = new Map<string, string | undefined>();
        for (const e of page) {
          let insurer = insurers.get(e.insurer_number);
          if (insurer === undefined) {
            insurer = await ctx.insurerByNumber(e.insurer_number, trx);
            insurers.set(e.insurer_number, insurer);
          }
          residentOf.set(e.id, await ctx.network.residentOf(insurer.institutionId, e.pseudonym ?? '', trx));
        }
        const ids = [...new Set([...residentOf.values()].filter((v): v is string => v !== undefined))];
        const records = new Map((await ctx.registry.linking.byIds(ids, trx)).map((r) => [r.residentId, r]));
        await recordAccess(
          trx,
          ctx.store.capabilities,
          [...records.keys()].map((residentId) => ({
            actor,
            action: 'read' as const,
            residentId,
            items: LINK_ITEMS,
            at: ctx.clock.now(),
          })),
        );
        for (const e of page) {
          const reasons: SuspectReason[] = [];
          const residentId = residentOf.get(e.id);
          const r = residentId === undefined ? undefined : records.get(residentId);
          if (residentId === undefined) reasons.push('pseudonym-unresolved');
          else if (r === undefined) reasons.push('resident-missing');
          else {
            if (r.status !== 'active') reasons.push('resident-deceased');
            if (ctx.crypto.factsDigest(r as LinkFacts) !== e.register_digest)
              reasons.push('items-changed-since-link');
            const others = await ctx.registry.linking.byBirthDate(r.birthDate, trx);
            const outcome = decideLink(r as LinkFacts, others.map(candidateOf));
            if (outcome.reasons.includes('several-four-item-matches'))
              reasons.push('several-residents-match');
          }
          if (reasons.length > 0)
            suspect.push({ enrolmentId: e.id, insurerNumber: e.insurer_number, reasons });
        }
      });
      checked += page.length;
      options.onProgress?.(checked, total);
    }
    return { checked, suspect };
  };
}
