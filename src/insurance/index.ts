/**
 * Health insurance (医療保険): insurers, enrolment linking through the network without
 * mis-links, eligibility for online qualification confirmation. The only door into
 * src/insurance/.
 */
import type { Actor } from '../core/index.ts';
import type { DomainMigration } from '../store/index.ts';
import { createLinkAudit } from './audit-links.ts';
import { createInsuranceContext, type InsuranceDeps } from './context.ts';
import { createEligibility } from './eligibility.ts';
import { createEnrolments } from './enrolments.ts';
import { insuranceMigrations } from './insurance-tables.ts';
import { createInsurers } from './insurers.ts';
import { createLinkReviews } from './link-reviews.ts';

export type { LinkAuditReport, SuspectLink, SuspectReason } from './audit-links.ts';
export type { InsuranceDeps, Insurer } from './context.ts';
export {
  type Eligibility,
  inForce,
  type Qualification,
  type QualificationValidity,
  VALIDITY_CODES,
} from './eligibility.ts';
export {
  CARD_CLASSIFICATIONS,
  COPAY_RATIOS,
  type EnrolmentInput,
  HIGH_COST_CATEGORIES,
  validateEnrolment,
} from './enrolment-input.ts';
export type { Enrolment, EnrolmentOutcome } from './enrolments.ts';
export { INSURANCE_ERRORS, type InsuranceErrorCode, insuranceError } from './errors.ts';
export { INSURER_KINDS, type InsurerKind, insurerCheckDigit, parseInsurerNumber } from './insurer-number.ts';
export type { LinkReview, ReviewCandidate, ReviewDecision } from './link-reviews.ts';
export {
  blockingKey,
  type CandidateEvidence,
  decideLink,
  type LinkCandidate,
  type LinkDecision,
  type LinkFacts,
  type LinkOutcome,
  nameAndBirthDateRule,
} from './link-rule.ts';

/** The insurance tables (the network's and the register's come with their own domains). */
export const migrations: readonly DomainMigration[] = insuranceMigrations;

/** Insurers, enrolments and their links, the review queue, eligibility, the consistency sweep. */
export function createInsurance(deps: InsuranceDeps) {
  const ctx = createInsuranceContext(deps);
  const insurers = createInsurers(ctx);
  const enrolments = createEnrolments(ctx, (n: string, a: Actor) => insurers.ownedBy(n, a));
  return {
    insurers,
    enrolments,
    reviews: createLinkReviews(ctx),
    /** Current eligibility of a resident (online qualification confirmation). */
    eligibility: createEligibility(ctx),
    /** Re-checks every link in force against the register; reports suspect ones. */
    auditLinks: createLinkAudit(ctx),
  };
}

export type Insurance = ReturnType<typeof createInsurance>;
// Online qualification confirmation, consent and 資格確認書 (helper F).
export {
  type ConfirmationAnswer,
  type ConfirmationDeps,
  type ConfirmationMode,
  type ConfirmationRecord,
  type Confirmations,
  clinicAudience,
  confirmationMigrations,
  createConfirmations,
} from './confirm.ts';
export { CONSENT_ITEMS, CONSENT_LABELS, CONSENT_TTL_MS, type Consent, type ConsentItem } from './consent.ts';
export {
  type CertificateClaims,
  qrKey,
  signCertificateToken,
  verifyCertificateToken,
} from './qualification-certificate.ts';
