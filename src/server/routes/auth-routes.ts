import type { FastifyInstance } from 'fastify';
import { problemSchema } from '../problem.ts';
import { rateLimit } from '../rate-limit.ts';
import type { System } from '../system.ts';

const problems = { 400: problemSchema, 401: problemSchema, 429: problemSchema };
const b64 = (max: number) => ({ type: 'string', maxLength: max, pattern: '^[A-Za-z0-9+/_=-]+$' }) as const;

/**
 * Sign in with the card, step one and two: a challenge for an audience, then the card's
 * answer (its authentication certificate and its signature over the challenge message).
 * Sessions built on this come with the rest of card sign-in.
 */
export async function authRoutes(app: FastifyInstance, opts: { system: System }): Promise<void> {
  const { cardAuth, cards } = opts.system;
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
            properties: { cardId: { type: 'string' }, residentId: { type: 'string' } },
          },
          ...problems,
        },
      },
    },
    async (request) => {
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
      return { cardId: who.cardId, residentId: card.residentId };
    },
  );
}
