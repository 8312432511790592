/** Who is acting, in which role and for what purpose. Every access record names one. */
export type StaffRole = 'clerk' | 'supervisor' | 'auditor';

export interface Actor {
  /** A staff credential id, or `system:<job>` for jobs such as imports. */
  readonly id: string;
  readonly role: StaffRole | 'system';
  /** The administrative purpose (利用目的) of this access. */
  readonly purpose: string;
  /** Correlates the access with one HTTP request or CLI run. */
  readonly requestId?: string;
}
