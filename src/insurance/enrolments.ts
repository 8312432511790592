import type { Actor } from '../core/index.ts';
import { parseDate } from '../matching/index.ts';
import type { LinkRecord } from '../registry/index.ts';
import { isUniqueViolation } from '../store/index.ts';
import type { InsuranceContext, Insurer } from './context.ts';
import { validateEnrolment } from './enrolment-input.ts';
import { insuranceError } from './errors.ts';
import { type InsuranceTables, insuranceTables } from './insurance-tables.ts';
import { candidateOf, LINK_ITEMS, linkEnrolment } from './link-enrolment.ts';
import { type CandidateEvidence, decideLink, type LinkFacts } from './link-rule.ts';

/** An enrolment as the insurer sees it: its own items, never the person's. */
export interface Enrolment {
  readonly id: string;
  readonly insurerNumber: string;
  readonly symbol: string;
  readonly number: string;
  readonly branch: string;
  readonly relation: 'self' | 'dependant';
  readonly insuredEnrolmentId: string | null;
  readonly insuredPersonRelation: string | null;
  readonly cardClassification: string;
  readonly copayRatio: number;
  readonly qualificationDate: string;
  readonly validUntil: string | null;
  readonly highCostCategory: string | null;
  readonly linkStatus: 'linked' | 'review' | 'rejected';
  readonly linkedBy: 'rule' | 'supervisor' | null;
  readonly linkedAt: string | null;
  readonly numberGiven: boolean;
  readonly endedAt: string | null;
  readonly endReason: string | null;
  readonly supersededBy: string | null;
  readonly submittedAt: string;
  readonly submittedBy: string;
}

export type EnrolmentOutcome =
  | { readonly outcome: 'linked'; readonly enrolmentId: string; readonly reasons: string[] }
  | {
      readonly outcome: 'review';
      readonly enrolmentId: string;
      readonly reviewId: string;
      readonly reasons: string[];
    };

/** What a review keeps sealed: the record's items and the candidates' tokens with their evidence. */
export interface SealedEvidence {
  readonly record: LinkFacts;
  /** Each candidate's token, and its birth date in the register (to find it again). */
  readonly candidates: Array<Omit<CandidateEvidence, 'key'> & { token: string; birthDate: string }>;
}

export function toEnrolment(r: InsuranceTables['enrolment']): Enrolment {
  return {
    id: r.id,
    insurerNumber: r.insurer_number,
    symbol: r.symbol,
    number: r.number,
    branch: r.branch,
    relation: r.relation as Enrolment['relation'],
    insuredEnrolmentId: r.insured_enrolment_id,
    insuredPersonRelation: r.insured_relation,
    cardClassification: r.card_classification,
    copayRatio: Number(r.copay_ratio),
    qualificationDate: r.qualification_date,
    validUntil: r.valid_until,
    highCostCategory: r.high_cost_category,
    linkStatus: r.link_status as Enrolment['linkStatus'],
    linkedBy: r.linked_by as Enrolment['linkedBy'],
    linkedAt: r.linked_at,
    numberGiven: Number(r.number_given) === 1,
    endedAt: r.ended_at,
    endReason: r.end_reason,
    supersededBy: r.superseded_by,
    submittedAt: r.submitted_at,
    submittedBy: r.submitted_by,
  };
}

const MAX_CANDIDATES_KEPT = 10;

export function createEnrolments(ctx: InsuranceContext, ownedBy: (n: string, a: Actor) => Promise<Insurer>) {
  const { store, clock } = ctx;

  const getRow = async (insurerNumber: string, id: string) => {
    const row = await insuranceTables(store.db)
      .selectFrom('enrolment')
      .selectAll()
      .where('id', '=', id)
      .where('insurer_number', '=', insurerNumber)
      .executeTakeFirst();
    if (row === undefined) throw insuranceError('INSURANCE_ENROLMENT_NOT_FOUND', 'not-found');
    return row;
  };

  return {
    /**
     * Submits an enrolment (資格取得届) and links it through the network when — and only
     * when — the register holds exactly one person with all four items equal. Anything
     * weaker waits for a supervisor; a number that belongs to someone else is refused.
     * One transaction: a failure anywhere (the access record included) writes nothing.
     */
    async submit(insurerNumber: string, raw: unknown, actor: Actor): Promise<EnrolmentOutcome> {
      const insurer = await ownedBy(insurerNumber, actor);
      const checked = validateEnrolment(raw, insurer.kind);
      if (!checked.ok) throw insuranceError('INSURANCE_INVALID_ENROLMENT', 'invalid', checked.errors);
      const input = checked.value;
      const record: LinkFacts = {
        familyName: input.familyName,
        givenName: input.givenName,
        familyNameKana: input.familyNameKana,
        givenNameKana: input.givenNameKana,
        birthDate: input.birthDate,
        sex: input.sex,
        address: input.address,
      };
      const activeKey = [insurer.insurerNumber, input.symbol, input.number, input.branch].join('|');
      return store.db.transaction().execute(async (trx) => {
        const t = insuranceTables(trx);
        const duplicate = await t
          .selectFrom('enrolment')
          .select('id')
          .where('active_key', '=', activeKey)
          .executeTakeFirst();
        if (duplicate !== undefined) throw insuranceError('INSURANCE_DUPLICATE_ENROLMENT', 'conflict');
        if (input.insuredEnrolmentId !== null) {
          const insured = await t
            .selectFrom('enrolment')
            .select(['relation', 'link_status', 'ended_at'])
            .where('id', '=', input.insuredEnrolmentId)
            .where('insurer_number', '=', insurer.insurerNumber)
            .executeTakeFirst();
          if (insured === undefined || insured.relation !== 'self' || insured.link_status === 'rejected')
            throw insuranceError('INSURANCE_INSURED_NOT_FOUND', 'invalid', [
              {
                at: 'insuredEnrolmentId',
                code: 'NOT_FOUND',
                message: 'no insured person (本人) with this enrolment id',
              },
            ]);
        }

        let candidates: LinkRecord[];
        if (input.individualNumber !== null) {
          // The number picks one person; the four items must still agree with theirs.
          const holder = await ctx.registry.linking.byNumber(input.individualNumber, trx);
          candidates = holder === undefined || holder.status !== 'active' ? [] : [holder];
        } else {
          candidates = await ctx.registry.linking.byBirthDate(input.birthDate, trx);
        }
        const outcome = decideLink(record, candidates.map(candidateOf));
        if (outcome.decision === 'none') {
          if (input.individualNumber !== null)
            throw insuranceError('INSURANCE_NUMBER_MISMATCH', 'invalid', [
              { at: 'individualNumber', code: 'NUMBER_MISMATCH', message: 'the number is not this person’s' },
            ]);
          throw insuranceError('INSURANCE_NO_REGISTER_MATCH', 'not-found');
        }

        const id = ctx.newId();
        const now = clock.now().toISOString();
        await t
          .insertInto('enrolment')
          .values({
            id,
            insurer_number: insurer.insurerNumber,
            symbol: input.symbol,
            number: input.number,
            branch: input.branch,
            relation: input.relation,
            insured_enrolment_id: input.insuredEnrolmentId,
            insured_relation: input.insuredPersonRelation,
            card_classification: input.cardClassification,
            copay_ratio: input.copayRatio,
            qualification_date: input.qualificationDate,
            valid_until: input.validUntil,
            high_cost_category: input.highCostCategory,
            link_status: 'review',
            pseudonym: null,
            linked_by: null,
            linked_at: null,
            register_digest: null,
            number_given: input.individualNumber === null ? 0 : 1,
            ended_at: null,
            end_reason: null,
            superseded_by: null,
            active_key: activeKey,
            submitted_at: now,
            submitted_by: actor.id,
          })
          .execute()
          .catch((error: unknown) => {
            // Two officers submitting the same enrolment at once: the unique key decides.
            if (isUniqueViolation(error)) throw insuranceError('INSURANCE_DUPLICATE_ENROLMENT', 'conflict');
            throw error;
          });

        if (outcome.decision === 'link') {
          const resident = candidates.find((c) => c.residentId === outcome.candidateKey);
          if (resident === undefined) throw new Error('the link rule chose a candidate it was not given');
          await linkEnrolment(ctx, trx, {
            enrolmentId: id,
            qualificationDate: input.qualificationDate,
            insurer,
            resident,
            actor,
            linkedBy: 'rule',
            items: input.individualNumber === null ? LINK_ITEMS : [...LINK_ITEMS, 'number'],
          });
          return { outcome: 'linked', enrolmentId: id, reasons: outcome.reasons };
        }

        const reviewId = ctx.newId();
        const kept = [...outcome.candidates]
          .sort((a, b) => b.score - a.score)
          .slice(0, MAX_CANDIDATES_KEPT)
          .map(({ key, ...rest }) => ({
            ...rest,
            token: ctx.crypto.candidateToken(reviewId, key),
            birthDate: candidates.find((c) => c.residentId === key)?.birthDate ?? input.birthDate,
          }));
        const evidence: SealedEvidence = { record, candidates: kept };
        await t
          .insertInto('link_review')
          .values({
            id: reviewId,
            enrolment_id: id,
            insurer_number: insurer.insurerNumber,
            status: 'pending',
            submitted_at: now,
            reasons: JSON.stringify(outcome.reasons),
            evidence: ctx.crypto.seal(evidence),
            decided_at: null,
            decided_by: null,
            decision_reason: null,
          })
          .execute();
        return { outcome: 'review', enrolmentId: id, reviewId, reasons: outcome.reasons };
      });
    },

    async list(
      insurerNumber: string,
      actor: Actor,
      options: { status?: Enrolment['linkStatus'] | undefined; after?: string | undefined; limit: number },
    ): Promise<Enrolment[]> {
      const insurer = await ownedBy(insurerNumber, actor);
      let q = insuranceTables(store.db)
        .selectFrom('enrolment')
        .selectAll()
        .where('insurer_number', '=', insurer.insurerNumber)
        .orderBy('id')
        .limit(options.limit);
      if (options.status !== undefined) q = q.where('link_status', '=', options.status);
      if (options.after !== undefined) q = q.where('id', '>', options.after);
      return (await q.execute()).map(toEnrolment);
    },

    async get(insurerNumber: string, id: string, actor: Actor): Promise<Enrolment> {
      const insurer = await ownedBy(insurerNumber, actor);
      return toEnrolment(await getRow(insurer.insurerNumber, id));
    },

    /** Loss of qualification (資格喪失): the first day no longer covered, and why. */
    async end(
      insurerNumber: string,
      id: string,
      input: { date: string; reason: string },
      actor: Actor,
    ): Promise<Enrolment> {
      const insurer = await ownedBy(insurerNumber, actor);
      const row = await getRow(insurer.insurerNumber, id);
      const date = parseDate(String(input.date ?? ''));
      const reason = String(input.reason ?? '').trim();
      if (!date.ok || date.value < row.qualification_date || reason === '' || reason.length > 200)
        throw insuranceError('INSURANCE_INVALID_END', 'invalid', [
          !date.ok
            ? { at: 'date', code: date.code, message: date.message }
            : reason === '' || reason.length > 200
              ? { at: 'reason', code: 'FORMAT', message: 'a reason of 1-200 characters' }
              : { at: 'date', code: 'BEFORE_QUALIFICATION', message: 'on or after the qualification date' },
        ]);
      if (row.ended_at !== null || row.link_status === 'rejected')
        throw insuranceError('INSURANCE_ENROLMENT_ENDED', 'conflict');
      const done = await insuranceTables(store.db)
        .updateTable('enrolment')
        .set({ ended_at: date.value, end_reason: reason, active_key: null })
        .where('id', '=', id)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) throw insuranceError('INSURANCE_ENROLMENT_ENDED', 'conflict');
      return toEnrolment(await getRow(insurer.insurerNumber, id));
    },
  };
}

export type Enrolments = ReturnType<typeof createEnrolments>;
