import { recordAccess } from '../audit/index.ts';
import type { Actor } from '../core/index.ts';
import type { LinkRecord } from '../registry/index.ts';
import type { AnyDb } from '../store/index.ts';
import type { InsuranceContext } from './context.ts';
import type { SealedEvidence } from './enrolments.ts';
import { insuranceError } from './errors.ts';
import { type InsuranceTables, insuranceTables } from './insurance-tables.ts';
import { LINK_ITEMS, linkEnrolment } from './link-enrolment.ts';
import type { CandidateEvidence, LinkFacts } from './link-rule.ts';

/** One candidate as a supervisor sees it: the register's items beside the evidence. */
export interface ReviewCandidate extends Omit<CandidateEvidence, 'key'> {
  /** Stands for the resident within this review only; send it back to link. */
  readonly key: string;
  /** The register's items now; null if the resident is no longer in the register's active part. */
  readonly register: (Omit<LinkFacts, 'sex'> & { sex: string }) | null;
}

export interface LinkReview {
  readonly id: string;
  readonly enrolmentId: string;
  readonly insurerNumber: string;
  readonly status: 'pending' | 'linked' | 'rejected';
  readonly submittedAt: string;
  readonly reasons: string[];
  /** The record as the insurer submitted it (pending reviews only). */
  readonly record: LinkFacts | null;
  readonly candidates: ReviewCandidate[];
  readonly decidedAt: string | null;
  readonly decidedBy: string | null;
  readonly decisionReason: string | null;
}

export type ReviewDecision = { decision: 'link'; candidateKey: string } | { decision: 'reject' };

/**
 * The link review queue. Weaker evidence than an exact, unique four-item match never
 * links: a municipal supervisor compares the record with the register's candidates side
 * by side and links to one of them or rejects. Showing a candidate's items to the
 * supervisor is a read of that resident's data, recorded for the resident to see.
 */
export function createLinkReviews(ctx: InsuranceContext) {
  const { store, clock } = ctx;

  /** The register's current entries behind a review's candidate tokens. */
  const resolve = async (
    db: AnyDb,
    reviewId: string,
    evidence: SealedEvidence,
  ): Promise<Map<string, LinkRecord>> => {
    const wanted = new Set(evidence.candidates.map((c) => c.token));
    const out = new Map<string, LinkRecord>();
    for (const birthDate of new Set(evidence.candidates.map((c) => c.birthDate)))
      for (const r of await ctx.registry.linking.byBirthDate(birthDate, db)) {
        const token = ctx.crypto.candidateToken(reviewId, r.residentId);
        if (wanted.has(token)) out.set(token, r);
      }
    return out;
  };

  const base = (r: InsuranceTables['link_review']) => ({
    id: r.id,
    enrolmentId: r.enrolment_id,
    insurerNumber: r.insurer_number,
    status: r.status as LinkReview['status'],
    submittedAt: r.submitted_at,
    reasons: JSON.parse(r.reasons) as string[],
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    decisionReason: r.decision_reason,
  });

  return {
    /** Reviews by status; pending ones carry the evidence, and showing it is recorded. */
    async list(
      status: LinkReview['status'],
      actor: Actor,
      options: {
        limit: number;
        after?: string | undefined;
        /** false: ids, reasons and decisions only — nothing personal is read or recorded. */
        evidence?: boolean | undefined;
      },
    ): Promise<LinkReview[]> {
      return store.db.transaction().execute(async (trx) => {
        let q = insuranceTables(trx)
          .selectFrom('link_review')
          .selectAll()
          .where('status', '=', status)
          .orderBy('id')
          .limit(options.limit);
        if (options.after !== undefined) q = q.where('id', '>', options.after);
        const out: LinkReview[] = [];
        for (const r of await q.execute()) {
          if (r.evidence === null || options.evidence === false) {
            out.push({ ...base(r), record: null, candidates: [] });
            continue;
          }
          const evidence = ctx.crypto.open<SealedEvidence>(r.evidence);
          const found = await resolve(trx, r.id, evidence);
          await recordAccess(
            trx,
            store.capabilities,
            [...found.values()].map((c) => ({
              actor,
              action: 'read' as const,
              residentId: c.residentId,
              items: LINK_ITEMS,
              at: clock.now(),
            })),
          );
          out.push({
            ...base(r),
            record: evidence.record,
            candidates: evidence.candidates.map(({ token, birthDate: _, ...e }) => {
              const c = found.get(token);
              return {
                ...e,
                key: token,
                register:
                  c === undefined
                    ? null
                    : {
                        familyName: c.familyName,
                        givenName: c.givenName,
                        familyNameKana: c.familyNameKana,
                        givenNameKana: c.givenNameKana,
                        birthDate: c.birthDate,
                        sex: c.sex,
                        address: c.address,
                      },
              };
            }),
          });
        }
        return out;
      });
    },

    /** Links the enrolment to one candidate, or rejects it (it then never links). */
    async decide(
      reviewId: string,
      decision: ReviewDecision,
      reason: string,
      actor: Actor,
    ): Promise<{ status: 'linked' | 'rejected'; enrolmentId: string }> {
      const why = reason.trim();
      if (why === '' || why.length > 500)
        throw insuranceError('INSURANCE_INVALID_DECISION', 'invalid', [
          { at: 'reason', code: 'FORMAT', message: 'a reason of 1-500 characters' },
        ]);
      return store.db.transaction().execute(async (trx) => {
        const t = insuranceTables(trx);
        const review = await t
          .selectFrom('link_review')
          .selectAll()
          .where('id', '=', reviewId)
          .executeTakeFirst();
        if (review === undefined) throw insuranceError('INSURANCE_REVIEW_NOT_FOUND', 'not-found');
        if (review.status !== 'pending' || review.evidence === null)
          throw insuranceError('INSURANCE_REVIEW_DECIDED', 'conflict');
        const enrolment = await t
          .selectFrom('enrolment')
          .selectAll()
          .where('id', '=', review.enrolment_id)
          .executeTakeFirstOrThrow();
        let status: 'linked' | 'rejected';
        if (decision.decision === 'link') {
          const evidence = ctx.crypto.open<SealedEvidence>(review.evidence);
          const resident = (await resolve(trx, review.id, evidence)).get(decision.candidateKey);
          if (resident === undefined)
            throw insuranceError('INSURANCE_INVALID_DECISION', 'invalid', [
              { at: 'candidateKey', code: 'NOT_A_CANDIDATE', message: 'not a candidate of this review' },
            ]);
          if (enrolment.ended_at !== null) throw insuranceError('INSURANCE_ENROLMENT_ENDED', 'conflict');
          await linkEnrolment(ctx, trx, {
            enrolmentId: enrolment.id,
            qualificationDate: enrolment.qualification_date,
            insurer: await ctx.insurerByNumber(enrolment.insurer_number, trx),
            resident,
            actor,
            linkedBy: 'supervisor',
            items: LINK_ITEMS,
          });
          status = 'linked';
        } else {
          await t
            .updateTable('enrolment')
            .set({ link_status: 'rejected', active_key: null })
            .where('id', '=', enrolment.id)
            .execute();
          status = 'rejected';
        }
        const done = await t
          .updateTable('link_review')
          .set({
            status,
            evidence: null,
            decided_at: clock.now().toISOString(),
            decided_by: actor.id,
            decision_reason: why,
          })
          .where('id', '=', reviewId)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) !== 1) throw insuranceError('INSURANCE_REVIEW_DECIDED', 'conflict');
        return { status, enrolmentId: enrolment.id };
      });
    },
  };
}

export type LinkReviews = ReturnType<typeof createLinkReviews>;
