/**
 * The roles a member of staff or an institution's machine client can hold. Each is bound
 * to one institution of a kind that may hold it (see `auth/institutions.ts`).
 */
export const STAFF_ROLES = [
  'clerk',
  'supervisor',
  'clinic-receptionist',
  'insurer-officer',
  'licensing-officer',
  'business-user',
  'relying-party',
  'operator',
  'auditor',
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who is acting, in which role and for what purpose. Every access record names one. */
export interface Actor {
  /** A machine credential id, a staff grant id, or `system:<job>` for jobs such as imports. */
  readonly id: string;
  readonly role: StaffRole | 'system' | 'resident';
  /** The administrative purpose (利用目的) of this access. */
  readonly purpose: string;
  /** Correlates the access with one HTTP request or CLI run. */
  readonly requestId?: string;
  /** The institution the actor acts for (staff and machine clients). */
  readonly institutionId?: string;
}
