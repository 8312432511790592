import type { StaffRole } from '../core/index.ts';

/** What an institution may receive beyond its role, granted by an operator. */
export const ENTITLEMENTS = ['signer-items', 'change-tracking'] as const;
export type Entitlement = (typeof ENTITLEMENTS)[number];

/**
 * Who may call a route. Every route declares one in `config.access`; the app refuses to
 * start with a route that does not, and one hook enforces it before the body is read.
 *
 * - `public`: anyone (rate limits apply where the route sets them).
 * - `resident`: a person signed in with their card (the session cookie).
 * - `roles`: staff acting in one of these roles (a staff session acting under a grant,
 *   or an institution's machine credential); `purpose` asks for `X-Myna-Purpose`;
 *   `entitlement` asks that the institution holds it.
 */
export type Access =
  | { readonly public: true }
  | { readonly resident: true }
  | {
      readonly roles: readonly StaffRole[];
      readonly purpose?: boolean;
      readonly entitlement?: Entitlement;
    };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}
