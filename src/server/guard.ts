import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StaffCredentials } from '../auth/index.ts';
import type { Actor, StaffRole } from '../core/index.ts';
import { SERVER_ERRORS, sendProblem } from './problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

const PURPOSE = /^[a-z][a-z0-9-]{2,63}$/;

/**
 * The guard of a staff route: a valid credential, a role the route allows, and — for
 * routes that show or change personal data — a stated purpose, which goes into every
 * access record the request writes.
 */
export function staffGuard(
  staff: StaffCredentials,
  roles: readonly StaffRole[],
  options: { purpose: boolean },
) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const header = request.headers.authorization;
    if (header === undefined || !header.startsWith('Bearer ')) {
      return sendProblem(
        request,
        reply.header('www-authenticate', 'Bearer'),
        401,
        'AUTH_MISSING_CREDENTIAL',
        SERVER_ERRORS.AUTH_MISSING_CREDENTIAL,
      );
    }
    const credential = await staff.authenticate(header.slice('Bearer '.length).trim());
    if (!roles.includes(credential.role)) {
      return sendProblem(
        request,
        reply,
        403,
        'AUTH_ROLE_FORBIDDEN',
        `${SERVER_ERRORS.AUTH_ROLE_FORBIDDEN} Allowed: ${roles.join(', ')}.`,
      );
    }
    const purposeHeader = request.headers['x-myna-purpose'];
    const purpose = typeof purposeHeader === 'string' ? purposeHeader.trim() : '';
    if (options.purpose && !PURPOSE.test(purpose)) {
      return sendProblem(request, reply, 400, 'AUTH_PURPOSE_REQUIRED', SERVER_ERRORS.AUTH_PURPOSE_REQUIRED, [
        {
          at: 'x-myna-purpose',
          code: 'PURPOSE_FORMAT',
          message: 'a purpose code such as counter-service, life-event or audit (3-64 of a-z, 0-9, -)',
        },
      ]);
    }
    request.log.info({ staffId: credential.id, role: credential.role }, 'staff authenticated');
    request.actor = {
      id: credential.id,
      role: credential.role,
      purpose: purpose || 'none',
      requestId: String(request.id),
    };
    return undefined;
  };
}
