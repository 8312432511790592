import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problemSchema } from '../problem.ts';
import { rateLimit } from '../rate-limit.ts';
import type { System } from '../system.ts';

const problems = { 400: problemSchema, 401: problemSchema, 429: problemSchema };

/** The session cookie: script cannot read it, it travels only over HTTPS (and to localhost), same-site. */
export const SESSION_COOKIE = 'myna_session';
const cookieOptions = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' } as const;

function setSession(reply: FastifyReply, token: string, expiresAt: Date, now: Date): void {
  reply.setCookie(SESSION_COOKIE, token, {
    ...cookieOptions,
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)),
  });
}

const sessionSchema = {
  type: 'object',
  properties: { residentId: { type: 'string' }, cardId: { type: 'string' }, expiresAt: { type: 'string' } },
} as const;
const b64 = (max: number) => ({ type: 'string', maxLength: max, pattern: '^[A-Za-z0-9+/_=-]+$' }) as const;

/**
 * Sign in with the card, step one and two: a challenge for an audience, then the card's
 * answer (its authentication certificate and its signature over the challenge message).
 * Sessions built on this come with the rest of card sign-in.
 */
export async function authRoutes(app: FastifyInstance, opts: { system: System }): Promise<void> {
  const { cardAuth, cards, sessions, clock } = opts.system;
  const token = (request: FastifyRequest): string | undefined => request.cookies[SESSION_COOKIE];
  /** The signed-in person's session, with its token renewed in the cookie when due. */
  const session = async (request: FastifyRequest, reply: FastifyReply) => {
    const s = await sessions.resume(token(request));
    if (s.newToken !== undefined) setSession(reply, s.newToken, s.expiresAt, clock.now());
    return s;
  };
  const limit = rateLimit({ limit: opts.system.config.rateLimit * 10, windowMs: 60_000 });
  const tags = ['auth'];

  app.post(
    '/v1/auth/card/challenge',
    {
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
          200: {
            type: 'object',
            properties: {
              challengeId: { type: 'string' },
              audience: { type: 'string' },
              message: { type: 'string', description: 'base64: the bytes the card signs' },
              expiresAt: { type: 'string' },
            },
          },
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
      schema: {
        tags,
        summary: 'Who is signed in (the session cookie); renews the cookie when its token rotates',
        security: [],
        response: { 200: sessionSchema, 400: problemSchema, 401: problemSchema },
      },
    },
    async (request, reply) => {
      const s = await session(request, reply);
      return { residentId: s.residentId, cardId: s.cardId, expiresAt: s.expiresAt.toISOString() };
    },
  );

  app.post(
    '/v1/auth/sign-out',
    {
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
      return reply.clearCookie(SESSION_COOKIE, cookieOptions).code(204).send();
    },
  );

  app.post(
    '/v1/auth/sign-out-everywhere',
    {
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
      const s = await session(request, reply);
      const ended = await sessions.endAll(s.residentId);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return { ended };
    },
  );
}
