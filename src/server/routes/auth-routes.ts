import type { FastifyInstance, FastifyRequest } from 'fastify';
import { problemSchema } from '../problem.ts';
import { rateLimit } from '../rate-limit.ts';
import { challengeSchema } from '../schemas.ts';
import { SESSION_COOKIE, SESSION_COOKIE_OPTIONS, setSessionCookie } from '../session-cookie.ts';
import type { System } from '../system.ts';

const problems = { 400: problemSchema, 401: problemSchema, 429: problemSchema };
const resident = { access: { resident: true } } as const;
const open = { access: { public: true } } as const;

const grantSchema = {
  type: 'object',
  properties: {
    grantId: { type: 'string' },
    role: { type: 'string' },
    label: { type: 'string' },
    institution: {
      type: 'object',
      properties: { id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' } },
    },
  },
} as const;
const sessionSchema = {
  type: 'object',
  properties: {
    residentId: { type: 'string' },
    cardId: { type: 'string' },
    expiresAt: { type: 'string' },
    acting: { anyOf: [grantSchema, { type: 'null' }] },
    grants: { type: 'array', items: grantSchema },
  },
} as const;
const b64 = (max: number) => ({ type: 'string', maxLength: max, pattern: '^[A-Za-z0-9+/_=-]+$' }) as const;

/**
 * Sign in with the card, step one and two: a challenge for an audience, then the card's
 * answer (its authentication certificate and its signature over the challenge message).
 * Sessions built on this come with the rest of card sign-in.
 */
export async function authRoutes(app: FastifyInstance, opts: { system: System }): Promise<void> {
  const { cardAuth, cards, sessions, clock, institutions } = opts.system;
  const token = (request: FastifyRequest): string | undefined => request.cookies[SESSION_COOKIE];
  const setSession = setSessionCookie;
  const me = (request: FastifyRequest) => request.resident!;
  /** The grants a person holds, and the one the session acts under. */
  const grantsOf = async (residentId: string, grantId: string | null) => {
    const grants = (await institutions.grants.ofResident(residentId)).map((g) => ({
      grantId: g.id,
      role: g.role,
      label: g.label,
      institution: { id: g.institution.id, kind: g.institution.kind, name: g.institution.name },
    }));
    return { grants, acting: grants.find((g) => g.grantId === grantId) ?? null };
  };
  const limit = rateLimit({ limit: opts.system.config.rateLimit * 10, windowMs: 60_000 });
  const tags = ['auth'];

  app.post(
    '/v1/auth/card/challenge',
    {
      config: open,
      preHandler: limit,
      schema: {
        tags,
        summary: 'A fresh, single-use challenge (2 minutes) for the card to sign',
        security: [],
        body: {
          type: 'object',
          required: ['audience'],
          additionalProperties: false,
          properties: { audience: { type: 'string', maxLength: 200 } },
        },
        response: {
          200: challengeSchema,
          ...problems,
        },
      },
    },
    async (request) => {
      const c = await cardAuth.challenge((request.body as { audience: string }).audience);
      return {
        ...c,
        message: Buffer.from(c.message).toString('base64'),
        expiresAt: c.expiresAt.toISOString(),
      };
    },
  );

  app.post(
    '/v1/auth/card/verify',
    {
      config: open,
      preHandler: limit,
      schema: {
        tags,
        summary: "Check the card's answer: signature, chain, validity and status now",
        security: [],
        body: {
          type: 'object',
          required: ['challengeId', 'audience', 'certificate', 'signature'],
          additionalProperties: false,
          properties: {
            challengeId: { type: 'string', maxLength: 64 },
            audience: { type: 'string', maxLength: 200 },
            certificate: b64(16_384),
            signature: b64(1_024),
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              cardId: { type: 'string' },
              residentId: { type: 'string' },
              expiresAt: { type: 'string' },
            },
          },
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as {
        challengeId: string;
        audience: string;
        certificate: string;
        signature: string;
      };
      const who = await cardAuth.verify({
        challengeId: body.challengeId,
        audience: body.audience,
        certificate: Buffer.from(body.certificate, 'base64'),
        signature: Buffer.from(body.signature, 'base64'),
      });
      const card = await cards.cards.get(who.cardId);
      // A new session on every sign-in: a token set before it (fixation) is worth nothing.
      const previous = token(request);
      if (previous !== undefined) await sessions.end(previous);
      const started = await sessions.start({ residentId: card.residentId, cardId: who.cardId });
      setSession(reply, started.token, started.expiresAt, clock.now());
      return { cardId: who.cardId, residentId: card.residentId, expiresAt: started.expiresAt.toISOString() };
    },
  );

  app.get(
    '/v1/me',
    {
      config: resident,
      schema: {
        tags,
        summary: 'Who is signed in (the session cookie); renews the cookie when its token rotates',
        security: [],
        response: { 200: sessionSchema, 400: problemSchema, 401: problemSchema },
      },
    },
    async (request) => {
      const s = me(request);
      const session = await sessions.resume(s.token);
      return {
        residentId: s.residentId,
        cardId: s.cardId,
        expiresAt: session.expiresAt.toISOString(),
        ...(await grantsOf(s.residentId, s.grantId)),
      };
    },
  );

  app.post(
    '/v1/auth/sign-out',
    {
      config: open,
      schema: {
        tags,
        summary: 'End this session',
        security: [],
        response: { 204: { type: 'null' }, 400: problemSchema, 401: problemSchema },
      },
    },
    async (request, reply) => {
      const current = token(request);
      if (current !== undefined) await sessions.end(current);
      return reply.clearCookie(SESSION_COOKIE, SESSION_COOKIE_OPTIONS).code(204).send();
    },
  );

  app.post(
    '/v1/auth/sign-out-everywhere',
    {
      config: resident,
      schema: {
        tags,
        summary: 'End every session of the signed-in person',
        security: [],
        response: {
          200: { type: 'object', properties: { ended: { type: 'integer' } } },
          400: problemSchema,
          401: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const ended = await sessions.endAll(me(request).residentId);
      reply.clearCookie(SESSION_COOKIE, SESSION_COOKIE_OPTIONS);
      return { ended };
    },
  );

  // ── Staff: take up a grant, and act under it ─────────────────────────────────
  app.post(
    '/v1/auth/staff/enrol',
    {
      config: resident,
      preHandler: limit,
      schema: {
        tags,
        summary:
          'Take up a staff grant with the one-time enrolment code the operator gave (signed in with your own card)',
        security: [],
        body: {
          type: 'object',
          required: ['code'],
          additionalProperties: false,
          properties: { code: { type: 'string', maxLength: 40 } },
        },
        response: { 200: grantSchema, 403: problemSchema, 409: problemSchema, ...problems },
      },
    },
    async (request) => {
      const s = me(request);
      const grant = await institutions.grants.enrol((request.body as { code: string }).code, s.residentId);
      const { grants } = await grantsOf(s.residentId, null);
      return grants.find((g) => g.grantId === grant.id);
    },
  );

  app.post(
    '/v1/auth/staff/act',
    {
      config: resident,
      schema: {
        tags,
        summary:
          'Act under one of your staff grants (or as yourself again, with null); the session token is replaced',
        security: [],
        body: {
          type: 'object',
          required: ['grantId'],
          additionalProperties: false,
          properties: { grantId: { anyOf: [{ type: 'string', maxLength: 64 }, { type: 'null' }] } },
        },
        response: { 200: sessionSchema, 403: problemSchema, ...problems },
      },
    },
    async (request, reply) => {
      const s = me(request);
      const grantId = (request.body as { grantId: string | null }).grantId;
      if (grantId !== null) await institutions.grants.held(grantId, s.residentId);
      const next = await sessions.act(s.token, grantId);
      setSession(reply, next.token, next.expiresAt, clock.now());
      return {
        residentId: s.residentId,
        cardId: s.cardId,
        expiresAt: next.expiresAt.toISOString(),
        ...(await grantsOf(s.residentId, grantId)),
      };
    },
  );

  // ── The holder's own card ────────────────────────────────────────────────────
  app.post(
    '/v1/me/card/report-lost',
    {
      config: resident,
      schema: {
        tags,
        summary:
          'Report your card lost (紛失届): its certificates are suspended at once and every session of yours ends',
        security: [],
        response: {
          200: {
            type: 'object',
            properties: {
              cardId: { type: 'string' },
              status: { type: 'string' },
              sessionsEnded: { type: 'integer' },
            },
          },
          409: problemSchema,
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const s = me(request);
      const card = await cards.cards.suspend(
        s.cardId,
        { channel: 'portal' },
        { id: `holder:${s.cardId}`, role: 'resident', purpose: 'report-lost', requestId: String(request.id) },
      );
      const sessionsEnded = await sessions.endAll(s.residentId);
      reply.clearCookie(SESSION_COOKIE, SESSION_COOKIE_OPTIONS);
      return { cardId: card.id, status: card.status, sessionsEnded };
    },
  );
}
