import { jstDate } from '../core/index.ts';
import type { AnyDb } from '../store/index.ts';
import type { InsuranceContext } from './context.ts';
import { type InsuranceTables, insuranceTables } from './insurance-tables.ts';

/** 資格有効性 (QualificationValidity), codes 1–5 of DOMAIN.md §2.2. */
export type QualificationValidity = 'valid' | 'invalid' | 'superseded' | 'none' | 'multiple';
export const VALIDITY_CODES: Readonly<Record<QualificationValidity, number>> = {
  valid: 1,
  invalid: 2,
  superseded: 3,
  none: 4,
  multiple: 5,
};

export interface Qualification {
  insurerNumber: string;
  insurerName: string;
  cardClassification: string;
  symbol: string;
  number: string;
  branch: string;
  relation: 'self' | 'dependant';
  insuredPersonRelation?: string | null;
  copayRatio: number;
  qualificationDate: string;
  validUntil: string | null;
  endedAt: string | null;
  endReason: string | null;
  highCostCategory: string | null;
}

export interface Eligibility {
  validity: QualificationValidity;
  /** The qualifications found (current first); empty for 'none'. Never the individual number. */
  qualifications: Qualification[];
}

type Row = InsuranceTables['enrolment'];

/** In force on `day` (YYYY-MM-DD, JST): qualified, not yet lost, not past its validity. */
export function inForce(
  r: Pick<Row, 'qualification_date' | 'ended_at' | 'valid_until'>,
  day: string,
): boolean {
  return (
    r.qualification_date <= day &&
    (r.ended_at === null || day < r.ended_at) &&
    (r.valid_until === null || day <= r.valid_until)
  );
}

/**
 * The answer of online qualification confirmation for one person at one instant:
 * - valid: exactly one qualification in force;
 * - multiple: more than one in force (e.g. a national health insurance not ended after
 *   joining an employer's insurance) — the clinic must ask;
 * - superseded: none in force; the latest one lost, but a newer qualification exists
 *   (starting later, or one that replaced it) — the patient should show the newer one;
 * - invalid: none in force, and nothing newer (ended or expired; or not yet begun);
 * - none: no linked qualification at all.
 * Enrolments waiting for review or rejected never count: they are not linked to anyone.
 */
export function createEligibility(ctx: InsuranceContext) {
  /**
   * Pass `db` (a transaction) to read inside the caller's transaction, and `links` when
   * the caller has just read the resident's network links in it (one statement fewer).
   */
  return async function eligibility(
    residentId: string,
    at: Date,
    db: AnyDb = ctx.store.db,
    links?: readonly { institutionId: string; pseudonym: string }[],
  ): Promise<Eligibility> {
    const day = jstDate(at);
    links ??= await ctx.network.linksOf(residentId, db);
    const found: Array<{ row: Row; insurerName: string }> = [];
    for (const link of links) {
      const insurer = await ctx.insurerByInstitution(link.institutionId, db);
      if (insurer === undefined) continue;
      const rows = await insuranceTables(db)
        .selectFrom('enrolment')
        .selectAll()
        .where('insurer_number', '=', insurer.insurerNumber)
        .where('pseudonym', '=', link.pseudonym)
        .where('link_status', '=', 'linked')
        .execute();
      for (const row of rows) found.push({ row, insurerName: insurer.name });
    }
    if (found.length === 0) return { validity: 'none', qualifications: [] };
    const current = found.filter((f) => inForce(f.row, day));
    const others = found
      .filter((f) => !inForce(f.row, day))
      .sort(
        (a, b) =>
          b.row.qualification_date.localeCompare(a.row.qualification_date) ||
          b.row.id.localeCompare(a.row.id),
      );
    let validity: QualificationValidity;
    if (current.length === 1) validity = 'valid';
    else if (current.length > 1) validity = 'multiple';
    else {
      const newer = others.some((f) => f.row.qualification_date > day);
      const older = others.filter((f) => f.row.qualification_date <= day);
      const lastLost = older[0]?.row;
      validity =
        lastLost !== undefined && (newer || lastLost.superseded_by !== null) ? 'superseded' : 'invalid';
    }
    return {
      validity,
      qualifications: [...current, ...others].map((f) => toQualification(f.row, f.insurerName)),
    };
  };
}

function toQualification(r: Row, insurerName: string): Qualification {
  return {
    insurerNumber: r.insurer_number,
    insurerName,
    cardClassification: r.card_classification,
    symbol: r.symbol,
    number: r.number,
    branch: r.branch,
    relation: r.relation as Qualification['relation'],
    insuredPersonRelation: r.insured_relation,
    copayRatio: Number(r.copay_ratio),
    qualificationDate: r.qualification_date,
    validUntil: r.valid_until,
    endedAt: r.ended_at,
    endReason: r.end_reason,
    highCostCategory: r.high_cost_category,
  };
}
