import type { Actor } from '../core/index.ts';
import type { RegistryContext } from './context.ts';
import { registryError } from './errors.ts';
import { registerResidents } from './register-residents.ts';
import { registryTables } from './registry-tables.ts';
import type { ResidentInput } from './resident.ts';

/**
 * The review queue. A registration that looks like an existing resident is never
 * registered automatically (the 2023 mis-links came from matching on too little); a
 * supervisor compares it with the candidates and decides.
 */
export interface Review {
  readonly id: string;
  readonly status: 'pending' | 'approved' | 'rejected';
  readonly submittedAt: string;
  readonly submittedBy: string;
  readonly input: ResidentInput;
  readonly candidateIds: string[];
  readonly decidedAt: string | null;
  readonly decidedBy: string | null;
  readonly decisionReason: string | null;
  readonly residentId: string | null;
}

export function createReviews(ctx: RegistryContext) {
  const { store, clock } = ctx;
  return {
    async list(status: Review['status'], limit: number, after?: string): Promise<Review[]> {
      let q = registryTables(store.db)
        .selectFrom('registration_review')
        .selectAll()
        .where('status', '=', status)
        .orderBy('id')
        .limit(limit);
      if (after !== undefined) q = q.where('id', '>', after);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: r.id,
        status: r.status,
        submittedAt: r.submitted_at,
        submittedBy: r.submitted_by,
        input: JSON.parse(r.input) as ResidentInput,
        candidateIds: JSON.parse(r.candidate_ids) as string[],
        decidedAt: r.decided_at,
        decidedBy: r.decided_by,
        decisionReason: r.decision_reason,
        residentId: r.resident_id,
      }));
    },

    /** `register`: a different person after all; `reject`: the same person, not registered again. */
    async decide(
      reviewId: string,
      decision: 'register' | 'reject',
      reason: string,
      actor: Actor,
    ): Promise<{ status: 'approved' | 'rejected'; residentId: string | null }> {
      return store.db.transaction().execute(async (trx) => {
        const t = registryTables(trx);
        const review = await t
          .selectFrom('registration_review')
          .selectAll()
          .where('id', '=', reviewId)
          .executeTakeFirst();
        if (review === undefined) throw registryError('REGISTRY_REVIEW_NOT_FOUND', 'not-found');
        if (review.status !== 'pending') throw registryError('REGISTRY_REVIEW_DECIDED', 'conflict');
        let residentId: string | null = null;
        if (decision === 'register') {
          const input = JSON.parse(review.input) as ResidentInput;
          const [outcome] = await registerResidents(ctx, trx, [input], actor, { skipDuplicateCheck: true });
          if (outcome?.kind === 'rejected') {
            throw registryError('REGISTRY_LOCAL_ID_TAKEN', 'conflict', [outcome.error]);
          }
          residentId = outcome?.kind === 'registered' ? outcome.residentId : null;
        }
        const status = decision === 'register' ? 'approved' : 'rejected';
        const done = await t
          .updateTable('registration_review')
          .set({
            status,
            decided_at: clock.now().toISOString(),
            decided_by: actor.id,
            decision_reason: reason.trim() || null,
            resident_id: residentId,
          })
          .where('id', '=', reviewId)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) !== 1) throw registryError('REGISTRY_REVIEW_DECIDED', 'conflict');
        return { status, residentId };
      });
    },
  };
}

export type Reviews = ReturnType<typeof createReviews>;
