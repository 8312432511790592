import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ENTITLEMENTS,
  INSTITUTION_KINDS,
  type Institution,
  MAX_ROTATION_GRACE_SECONDS,
  type StaffCredential,
  type StaffGrant,
} from '../../auth/index.ts';
import { STAFF_ROLES } from '../../core/index.ts';
import { problemSchema } from '../problem.ts';
import type { System } from '../system.ts';

const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const operator = { access: { roles: ['operator'] } } as const;
const overseers = { access: { roles: ['operator', 'auditor'] } } as const;
const tags = ['institutions'];
const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const;

const institutionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: [...INSTITUTION_KINDS] },
    code: { type: ['string', 'null'] },
    name: { type: 'string' },
    entitlements: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' },
  },
} as const;
const grantSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    institutionId: { type: 'string' },
    role: { type: 'string' },
    label: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'active', 'revoked', 'expired'] },
    grantedBy: { type: 'string' },
    grantedAt: { type: 'string' },
    enrolledAt: { type: ['string', 'null'] },
    revokedAt: { type: ['string', 'null'] },
  },
} as const;
const credentialSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    label: { type: 'string' },
    role: { type: 'string' },
    institutionId: { type: 'string' },
    createdAt: { type: 'string' },
    revokedAt: { type: ['string', 'null'] },
    previousValidUntil: { type: ['string', 'null'] },
  },
} as const;
const issuedSchema = {
  type: 'object',
  properties: {
    credential: credentialSchema,
    token: { type: 'string', description: 'Shown once; only its hash is kept.' },
  },
} as const;

const entitlementsBody = {
  type: 'array',
  maxItems: 10,
  items: { type: 'string', enum: [...ENTITLEMENTS] },
} as const;
const label = { type: 'string', minLength: 1, maxLength: 100 } as const;
const role = { type: 'string', enum: [...STAFF_ROLES] } as const;

const institutionView = (i: Institution) => i;
const grantView = (g: StaffGrant) => g;
const credentialView = (c: StaffCredential) => c;

/**
 * The operator's screens behind the API: institutions and their entitlements, staff
 * grants (taken up by the person with their own card and a one-time code), and the
 * machine credentials of institutions' systems (rotatable, revocable).
 */
export async function institutionRoutes(app: FastifyInstance, opts: { system: System }): Promise<void> {
  const { institutions, staff, sessions } = opts.system;
  const by = (request: FastifyRequest): string => request.actor!.id;

  app.post(
    '/v1/institutions',
    {
      config: operator,
      schema: {
        tags,
        summary:
          'Register an institution (municipality, clinic, insurer, licensing authority, business, service)',
        body: {
          type: 'object',
          required: ['kind', 'name'],
          additionalProperties: false,
          properties: {
            kind: { type: 'string', enum: INSTITUTION_KINDS.filter((k) => k !== 'operator') },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            code: { type: 'string', maxLength: 20 },
            entitlements: entitlementsBody,
          },
        },
        response: { 201: institutionSchema, 409: problemSchema, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body as { kind: string; name: string; code?: string; entitlements?: string[] };
      reply.code(201);
      return institutionView(await institutions.create(body));
    },
  );

  app.get(
    '/v1/institutions',
    {
      config: overseers,
      schema: {
        tags,
        summary: 'Every institution',
        response: { 200: { type: 'array', items: institutionSchema }, ...problems },
      },
    },
    async () => (await institutions.list()).map(institutionView),
  );

  app.get(
    '/v1/institutions/:id',
    {
      config: overseers,
      schema: {
        tags,
        summary: 'One institution',
        params: idParams,
        response: { 200: institutionSchema, ...problems },
      },
    },
    async (request) => institutionView(await institutions.get((request.params as { id: string }).id)),
  );

  app.put(
    '/v1/institutions/:id/entitlements',
    {
      config: operator,
      schema: {
        tags,
        summary: "Set what an institution may receive beyond its role (e.g. a signer's basic items)",
        params: idParams,
        body: {
          type: 'object',
          required: ['entitlements'],
          additionalProperties: false,
          properties: { entitlements: entitlementsBody },
        },
        response: { 200: institutionSchema, ...problems },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return institutionView(
        await institutions.setEntitlements(id, (request.body as { entitlements: string[] }).entitlements),
      );
    },
  );

  // ── Staff grants ─────────────────────────────────────────────────────────────
  app.post(
    '/v1/institutions/:id/grants',
    {
      config: operator,
      schema: {
        tags,
        summary:
          'Grant a role at the institution; the person takes it up with the one-time code, signed in with their card',
        params: idParams,
        body: {
          type: 'object',
          required: ['role', 'label'],
          additionalProperties: false,
          properties: { role, label },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              grant: grantSchema,
              enrolmentCode: { type: 'string', description: 'Shown once; valid 7 days, works once.' },
              enrolmentExpiresAt: { type: 'string' },
            },
          },
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = request.body as { role: string; label: string };
      const out = await institutions.grants.create({ institutionId: id, ...body }, by(request));
      reply.code(201);
      return out;
    },
  );

  app.get(
    '/v1/institutions/:id/grants',
    {
      config: overseers,
      schema: {
        tags,
        summary: "The institution's staff grants",
        params: idParams,
        response: { 200: { type: 'array', items: grantSchema }, ...problems },
      },
    },
    async (request) => (await institutions.grants.list((request.params as { id: string }).id)).map(grantView),
  );

  app.post(
    '/v1/grants/:id/revoke',
    {
      config: operator,
      schema: {
        tags,
        summary: 'Revoke a staff grant; sessions acting under it end at once',
        params: idParams,
        response: {
          200: { type: 'object', properties: { grant: grantSchema, sessionsEnded: { type: 'integer' } } },
          ...problems,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const grant = await institutions.grants.revoke(id);
      return { grant: grantView(grant), sessionsEnded: await sessions.endForGrant(id) };
    },
  );

  // ── Machine credentials ─────────────────────────────────────────────────────
  app.post(
    '/v1/institutions/:id/credentials',
    {
      config: operator,
      schema: {
        tags,
        summary: "Issue a machine credential for one of the institution's systems (the token is shown once)",
        params: idParams,
        body: {
          type: 'object',
          required: ['role', 'label'],
          additionalProperties: false,
          properties: { role, label },
        },
        response: { 201: issuedSchema, ...problems },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = request.body as { role: (typeof STAFF_ROLES)[number]; label: string };
      const issued = await staff.issue(body.label, body.role, (await institutions.get(id)).id);
      reply.code(201);
      return { credential: credentialView(issued.credential), token: issued.token };
    },
  );

  app.get(
    '/v1/institutions/:id/credentials',
    {
      config: overseers,
      schema: {
        tags,
        summary: "The institution's machine credentials (never their secrets)",
        params: idParams,
        response: { 200: { type: 'array', items: credentialSchema }, ...problems },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return (await staff.list((await institutions.get(id)).id)).map(credentialView);
    },
  );

  app.post(
    '/v1/credentials/:id/rotate',
    {
      config: operator,
      schema: {
        tags,
        summary:
          'A new secret for a credential; the old one stops at once or after a grace period (at most 7 days)',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { graceSeconds: { type: 'integer', minimum: 0, maximum: MAX_ROTATION_GRACE_SECONDS } },
        },
        response: { 200: issuedSchema, ...problems },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = (request.body ?? {}) as { graceSeconds?: number };
      const rotated = await staff.rotate(id, body.graceSeconds ?? 0);
      return { credential: credentialView(rotated.credential), token: rotated.token };
    },
  );

  app.post(
    '/v1/credentials/:id/revoke',
    {
      config: operator,
      schema: {
        tags,
        summary: 'Revoke a machine credential at once',
        params: idParams,
        response: { 204: { type: 'null' }, ...problems },
      },
    },
    async (request, reply) => {
      await staff.revoke((request.params as { id: string }).id);
      return reply.code(204).send();
    },
  );
}
