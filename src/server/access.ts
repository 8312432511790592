import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Entitlement } from '../auth/index.ts';
import type { Actor, StaffRole } from '../core/index.ts';
import { SERVER_ERRORS, sendProblem } from './problem.ts';
import { SESSION_COOKIE, setSessionCookie } from './session-cookie.ts';
import type { System } from './system.ts';

export { ENTITLEMENTS, type Entitlement } from '../auth/index.ts';

/**
 * Who may call a route. Every route declares one in `config.access`; the app refuses to
 * start with a route that does not, and one hook enforces it before the body is read.
 *
 * - `public`: anyone (rate limits apply where the route sets them).
 * - `resident`: a person signed in with their card (the session cookie).
 * - `roles`: staff acting in one of these roles — a person signed in with their own card
 *   whose session acts under a grant, or an institution's machine credential
 *   (`Authorization: Bearer`); `purpose` asks for `X-Myna-Purpose`; `entitlement` asks
 *   that the institution holds it.
 */
export type Access =
  | { readonly public: true }
  | { readonly resident: true }
  | {
      readonly roles: readonly StaffRole[];
      readonly purpose?: boolean;
      readonly entitlement?: Entitlement;
    };

/** The signed-in person behind a resident route (or a staff session). */
export interface SignedInResident {
  readonly residentId: string;
  readonly cardId: string;
  readonly grantId: string | null;
  /** The session token in force after this request (it may have rotated). */
  readonly token: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** Set on staff routes: who acts, in which role, for which institution and purpose. */
    actor?: Actor;
    /** Set on resident routes, and on staff routes reached through a card session. */
    resident?: SignedInResident;
  }
}

const PURPOSE = /^[a-z][a-z0-9-]{2,63}$/;

/** The access a route declared (routes without one never get registered). */
export function accessOf(request: FastifyRequest): Access | undefined {
  return (request.routeOptions.config as { access?: Access } | undefined)?.access;
}

/**
 * Installs the declaration check and the enforcing hook. Call before any route is
 * registered.
 */
export function enforceAccess(app: FastifyInstance, system: System): readonly DeclaredRoute[] {
  const table: DeclaredRoute[] = [];
  app.addHook('onRoute', (route) => {
    const access = (route.config as { access?: Access } | undefined)?.access;
    if (access === undefined)
      throw new Error(`route ${String(route.method)} ${route.url} declares no config.access`);
    for (const method of [route.method].flat())
      if (method !== 'HEAD') table.push({ method, url: route.url, access });
  });

  const resumeSession = async (request: FastifyRequest, reply: FastifyReply): Promise<SignedInResident> => {
    const token = request.cookies[SESSION_COOKIE];
    const s = await system.sessions.resume(token);
    if (s.newToken !== undefined) setSessionCookie(reply, s.newToken, s.expiresAt, system.clock.now());
    return { residentId: s.residentId, cardId: s.cardId, grantId: s.grantId, token: s.newToken ?? token! };
  };

  app.addHook('onRequest', async (request, reply) => {
    const access = accessOf(request);
    if (access === undefined || 'public' in access) return;
    if ('resident' in access) {
      request.resident = await resumeSession(request, reply);
      return;
    }
    const header = request.headers.authorization;
    let actor: Omit<Actor, 'purpose'>;
    if (header?.startsWith('Bearer ')) {
      const credential = await system.staff.authenticate(header.slice('Bearer '.length).trim());
      actor = {
        id: credential.id,
        role: credential.role,
        institutionId: credential.institutionId,
        requestId: String(request.id),
      };
    } else if (request.cookies[SESSION_COOKIE] !== undefined) {
      const signedIn = await resumeSession(request, reply);
      if (signedIn.grantId === null)
        return sendProblem(
          request,
          reply,
          403,
          'AUTH_NOT_ACTING_AS_STAFF',
          SERVER_ERRORS.AUTH_NOT_ACTING_AS_STAFF,
        );
      // The grant is read on every request: a revoked grant stops working at once.
      const grant = await system.institutions.grants.held(signedIn.grantId, signedIn.residentId);
      request.resident = signedIn;
      actor = {
        id: grant.id,
        role: grant.role,
        institutionId: grant.institutionId,
        requestId: String(request.id),
      };
    } else {
      return sendProblem(
        request,
        reply.header('www-authenticate', 'Bearer'),
        401,
        'AUTH_MISSING_CREDENTIAL',
        SERVER_ERRORS.AUTH_MISSING_CREDENTIAL,
      );
    }
    if (!access.roles.includes(actor.role as StaffRole)) {
      return sendProblem(
        request,
        reply,
        403,
        'AUTH_ROLE_FORBIDDEN',
        `${SERVER_ERRORS.AUTH_ROLE_FORBIDDEN} Allowed: ${access.roles.join(', ')}.`,
      );
    }
    if (access.entitlement !== undefined) {
      const institution = await system.institutions.get(actor.institutionId!);
      if (!institution.entitlements.includes(access.entitlement))
        return sendProblem(
          request,
          reply,
          403,
          'AUTH_NOT_ENTITLED',
          `${SERVER_ERRORS.AUTH_NOT_ENTITLED} Needed: ${access.entitlement}.`,
        );
    }
    const purposeHeader = request.headers['x-myna-purpose'];
    const purpose = typeof purposeHeader === 'string' ? purposeHeader.trim() : '';
    if (access.purpose === true && !PURPOSE.test(purpose)) {
      return sendProblem(request, reply, 400, 'AUTH_PURPOSE_REQUIRED', SERVER_ERRORS.AUTH_PURPOSE_REQUIRED, [
        {
          at: 'x-myna-purpose',
          code: 'PURPOSE_FORMAT',
          message: 'a purpose code such as counter-service, life-event or audit (3-64 of a-z, 0-9, -)',
        },
      ]);
    }
    request.log.info(
      { actorId: actor.id, role: actor.role, institutionId: actor.institutionId },
      'staff authenticated',
    );
    request.actor = { ...actor, purpose: purpose || 'none' };
  });
  return table;
}

/** A route and who may call it, as declared (the route × role test walks these). */
export interface DeclaredRoute {
  readonly method: string;
  readonly url: string;
  readonly access: Access;
}
