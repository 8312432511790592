import type { FastifyInstance } from 'fastify';
import {
  APPLICATION_STATUSES,
  CARD_END_REASONS,
  type CardView,
  renderFrontSvg,
  svgToPng,
} from '../../card/index.ts';
import type { Actor } from '../../core/index.ts';
import { AppError } from '../../core/index.ts';
import { commonProblems } from '../problem.ts';
import { rateLimit } from '../rate-limit.ts';
import { idParams } from '../schemas.ts';
import type { System } from '../system.ts';

const problems = commonProblems;

const base64 = { type: 'string', maxLength: 8_000_000, pattern: '^[A-Za-z0-9+/_=-]*$' } as const;
const PHOTO_BODY_LIMIT = 8 * 1024 * 1024;

const applicationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    residentId: { type: 'string' },
    status: { type: 'string', enum: APPLICATION_STATUSES },
    channel: { type: 'string' },
    withPhoto: { type: 'boolean' },
    reason: { type: ['string', 'null'] },
    appliedAt: { type: 'string' },
    updatedAt: { type: 'string' },
    cardId: { type: ['string', 'null'] },
  },
} as const;

/** What an anonymous applicant gets back: no internal ids beyond the application's own. */
const publicApplicationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: APPLICATION_STATUSES },
    withPhoto: { type: 'boolean' },
    appliedAt: { type: 'string' },
  },
} as const;

const cardSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    residentId: { type: 'string' },
    applicationId: { type: 'string' },
    status: { type: 'string' },
    issuedOn: { type: 'string' },
    expiresOn: { type: 'string' },
    certificatesExpireOn: { type: 'string' },
    withSignatureCertificate: { type: 'boolean' },
    producedAt: { type: 'string' },
    handedOverAt: { type: ['string', 'null'] },
    endedAt: { type: ['string', 'null'] },
    endReason: { type: ['string', 'null'] },
  },
} as const;

const cardFileBody = {
  cardFile: { ...base64, description: 'the virtual card file, base64' },
  cardKey: { type: 'string', maxLength: 100, description: 'the card file key, base64url' },
} as const;

function bytes(text: string, at: string): Uint8Array {
  const out = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (out.length === 0)
    throw new AppError('REQUEST_INVALID', 'invalid', `${at} is empty or not base64`, {
      details: [{ at, code: 'BASE64', message: 'expected base64' }],
    });
  return out;
}

/** Card applications, production, hand-over and the card's life, over HTTP. */
export async function cardRoutes(app: FastifyInstance, opts: { system: System }): Promise<void> {
  const { cards: service } = opts.system;
  const { applications, cards } = service;
  const actor = (r: { actor?: Actor }): Actor => r.actor!;
  const tags = ['card'];
  const perMinute = opts.system.config.rateLimit;
  const lookupLimit = rateLimit({ limit: perMinute, windowMs: 60_000 });
  const verifyLimit = rateLimit({ limit: perMinute * 10, windowMs: 60_000 });

  // ── Residents (no staff credential) ─────────────────────────────────────────
  app.post(
    '/v1/card-applications',
    {
      config: { access: { public: true } },
      preHandler: lookupLimit,
      bodyLimit: PHOTO_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Apply for a My Number card online (マイナンバーカード交付申請)',
        description:
          'With the 23-digit application ID from the notice letter, or the individual number and birth date. The face photo (JPEG or PNG, base64) is required from age 1.',
        security: [],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            applicationCode: { type: 'string', maxLength: 40 },
            number: { type: 'string', maxLength: 20 },
            birthDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
            email: { type: 'string', maxLength: 254 },
            photo: base64,
          },
        },
        response: { 201: publicApplicationSchema, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body as {
        applicationCode?: string;
        number?: string;
        birthDate?: string;
        email?: string;
        photo?: string;
      };
      const created = await applications.apply({
        applicationCode: body.applicationCode,
        number: body.number,
        birthDate: body.birthDate,
        email: body.email,
        photo: body.photo === undefined ? undefined : Buffer.from(body.photo, 'base64'),
      });
      return reply.code(201).send(created);
    },
  );

  app.post(
    '/v1/card-applications/status',
    {
      config: { access: { public: true } },
      preHandler: lookupLimit,
      schema: {
        tags,
        summary: 'Where an application stands (status and reason only)',
        security: [],
        body: {
          type: 'object',
          required: ['applicationId'],
          additionalProperties: false,
          properties: { applicationId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              reason: { type: ['string', 'null'] },
              updatedAt: { type: 'string' },
            },
          },
          ...problems,
        },
      },
    },
    async (request) => applications.status((request.body as { applicationId: string }).applicationId),
  );

  app.post(
    '/v1/signatures/verify',
    {
      config: { access: { public: true } },
      preHandler: verifyLimit,
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags,
        summary: 'Verify a document signature (CMS) made with a card',
        security: [],
        body: {
          type: 'object',
          required: ['signature', 'content'],
          additionalProperties: false,
          properties: {
            signature: { type: 'string', maxLength: 1_000_000 },
            content: { type: 'string', maxLength: 30_000_000 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              valid: { type: 'boolean' },
              signingTime: { type: 'string' },
              signer: {
                type: 'object',
                properties: {
                  serial: { type: 'string' },
                  subject: { type: 'string' },
                  issuer: { type: 'string' },
                  notBefore: { type: 'string' },
                  notAfter: { type: 'string' },
                },
              },
            },
          },
          ...problems,
        },
      },
    },
    async (request) => {
      const body = request.body as { signature: string; content: string };
      const signature = body.signature.includes('-----BEGIN')
        ? Buffer.from(body.signature, 'utf8')
        : bytes(body.signature, 'signature');
      const result = await service.verifySignature(signature, Buffer.from(body.content, 'base64'));
      return {
        valid: true,
        signingTime: result.signingTime.toISOString(),
        signer: {
          serial: result.signer.serial,
          subject: result.signer.subject,
          issuer: result.signer.issuer,
          notBefore: result.signer.notBefore.toISOString(),
          notAfter: result.signer.notAfter.toISOString(),
        },
      };
    },
  );

  // ── Counter staff ───────────────────────────────────────────────────────────
  app.get(
    '/v1/card-applications',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'The review queue',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: APPLICATION_STATUSES },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            after: { type: 'string', maxLength: 36 },
          },
        },
        response: {
          200: { type: 'object', properties: { applications: { type: 'array', items: applicationSchema } } },
          ...problems,
        },
      },
    },
    async (request) => {
      const q = request.query as { status?: never; limit: number; after?: string };
      return { applications: await applications.list(q) };
    },
  );

  app.get(
    '/v1/card-applications/:id',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: { tags, params: idParams, response: { 200: applicationSchema, ...problems } },
    },
    async (request) => applications.get((request.params as { id: string }).id),
  );

  app.get(
    '/v1/card-applications/:id/photo',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'The face photo (JPEG), to compare with the applicant',
        params: idParams,
        response: { 200: { type: 'string', format: 'binary' }, ...problems },
      },
    },
    async (request, reply) => {
      const jpeg = await applications.photo((request.params as { id: string }).id, actor(request));
      return reply.type('image/jpeg').header('cache-control', 'no-store').send(Buffer.from(jpeg));
    },
  );

  app.post(
    '/v1/card-applications/:id/review',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: { tags, params: idParams, response: { 200: applicationSchema, ...problems } },
    },
    async (request) => applications.startReview((request.params as { id: string }).id, actor(request)),
  );

  app.post(
    '/v1/card-applications/:id/decision',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Approve, or reject with a reason',
        params: idParams,
        body: {
          type: 'object',
          required: ['approve'],
          additionalProperties: false,
          properties: { approve: { type: 'boolean' }, reason: { type: 'string', maxLength: 500 } },
        },
        response: { 200: applicationSchema, ...problems },
      },
    },
    async (request) =>
      applications.decide(
        (request.params as { id: string }).id,
        request.body as { approve: boolean; reason?: string },
        actor(request),
      ),
  );

  app.post(
    '/v1/card-applications/:id/produce',
    {
      config: { access: { roles: ['supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Produce the card of an approved application (keys made inside its chip)',
        params: idParams,
        response: { 201: cardSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await cards.produce((request.params as { id: string }).id, actor(request))),
  );

  app.get(
    '/v1/cards/:id',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: { tags, params: idParams, response: { 200: cardSchema, ...problems } },
    },
    async (request) => cards.get((request.params as { id: string }).id),
  );

  app.get(
    '/v1/residents/:id/cards',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        params: idParams,
        response: {
          200: { type: 'object', properties: { cards: { type: 'array', items: cardSchema } } },
          ...problems,
        },
      },
    },
    async (request) => ({ cards: await cards.ofResident((request.params as { id: string }).id) }),
  );

  app.post(
    '/v1/cards/:id/ready',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: { tags, params: idParams, response: { 200: cardSchema, ...problems } },
    },
    async (request) => cards.markReady((request.params as { id: string }).id, actor(request)),
  );

  app.get(
    '/v1/cards/:id/face/front',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'The card front as SVG or PNG (the back, with the number, is shown only to its holder)',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: ['svg', 'png'], default: 'svg' } },
        },
        response: { 200: { type: 'string', format: 'binary' }, ...problems },
      },
    },
    async (request, reply) => {
      const id = (request.params as { id: string }).id;
      const face = await service.frontOf(id, actor(request));
      const svg = renderFrontSvg(face);
      reply.header('cache-control', 'no-store');
      if ((request.query as { format: string }).format === 'png')
        return reply.type('image/png').send(Buffer.from(svgToPng(svg)));
      return reply.type('image/svg+xml').send(svg);
    },
  );

  app.post(
    '/v1/cards/:id/hand-over',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Hand the card over (交付): identity checked, PINs set, certificates issued',
        params: idParams,
        body: {
          type: 'object',
          required: ['identityConfirmed', 'pins'],
          additionalProperties: false,
          properties: {
            identityConfirmed: { type: 'boolean' },
            pins: {
              type: 'object',
              required: ['authentication', 'text'],
              additionalProperties: false,
              properties: {
                signature: { type: 'string', maxLength: 16 },
                authentication: { type: 'string', maxLength: 4 },
                text: { type: 'string', maxLength: 4 },
              },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              card: cardSchema,
              cardFile: { type: 'string' },
              cardKey: { type: 'string' },
              securityCode: { type: 'string' },
            },
          },
          ...problems,
        },
      },
    },
    async (request) => {
      const body = request.body as {
        identityConfirmed: boolean;
        pins: { signature?: string; authentication: string; text: string };
      };
      const issued = await cards.handOver((request.params as { id: string }).id, body, actor(request));
      return {
        card: issued.card,
        cardFile: Buffer.from(issued.cardFile).toString('base64'),
        cardKey: Buffer.from(issued.cardKey).toString('base64url'),
        securityCode: issued.securityCode,
      };
    },
  );

  app.post(
    '/v1/cards/:id/suspend',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Suspend a lost card (一時停止); its certificates go on hold at once',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { channel: { type: 'string', enum: ['phone', 'counter'], default: 'phone' } },
        },
        response: { 200: cardSchema, ...problems },
      },
    },
    async (request) =>
      cards.suspend(
        (request.params as { id: string }).id,
        { channel: (request.query as { channel: 'phone' | 'counter' }).channel },
        actor(request),
      ),
  );

  app.post(
    '/v1/cards/:id/resume',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: { tags, params: idParams, response: { 200: cardSchema, ...problems } },
    },
    async (request) => cards.resume((request.params as { id: string }).id, actor(request)),
  );

  app.post(
    '/v1/cards/:id/revoke',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Revoke the card and its certificates (廃止)',
        params: idParams,
        body: {
          type: 'object',
          required: ['reason'],
          additionalProperties: false,
          properties: { reason: { type: 'string', enum: CARD_END_REASONS } },
        },
        response: { 200: cardSchema, ...problems },
      },
    },
    async (request) =>
      cards.revoke(
        (request.params as { id: string }).id,
        (request.body as { reason: CardView['endReason'] & string }).reason as never,
        actor(request),
      ),
  );

  app.post(
    '/v1/cards/:id/renew-certificates',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      bodyLimit: PHOTO_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Renew the certificates on a card presented at the counter',
        params: idParams,
        body: {
          type: 'object',
          required: ['cardFile', 'cardKey'],
          additionalProperties: false,
          properties: {
            ...cardFileBody,
            signaturePassword: {
              type: 'string',
              maxLength: 16,
              description: 'for a first signature certificate on this card (the holder has turned 15)',
            },
          },
        },
        response: {
          200: { type: 'object', properties: { card: cardSchema, cardFile: { type: 'string' } } },
          ...problems,
        },
      },
    },
    async (request) => {
      const body = request.body as { cardFile: string; cardKey: string; signaturePassword?: string };
      const renewed = await cards.renewCertificates(
        (request.params as { id: string }).id,
        {
          cardFile: bytes(body.cardFile, 'cardFile'),
          cardKey: Buffer.from(body.cardKey, 'base64url'),
          signaturePassword: body.signaturePassword,
        },
        actor(request),
      );
      return { card: renewed.card, cardFile: Buffer.from(renewed.cardFile).toString('base64') };
    },
  );

  app.post(
    '/v1/cards/:id/reset-pin',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      bodyLimit: PHOTO_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Set a new PIN (unlocks a locked PIN) after checking the holder’s identity',
        params: idParams,
        body: {
          type: 'object',
          required: ['cardFile', 'cardKey', 'pin', 'value', 'identityConfirmed'],
          additionalProperties: false,
          properties: {
            ...cardFileBody,
            pin: { type: 'string', enum: ['signature', 'authentication', 'text'] },
            value: { type: 'string', maxLength: 16 },
            identityConfirmed: { type: 'boolean' },
          },
        },
        response: { 200: { type: 'object', properties: { cardFile: { type: 'string' } } }, ...problems },
      },
    },
    async (request) => {
      const body = request.body as {
        cardFile: string;
        cardKey: string;
        pin: 'signature' | 'authentication' | 'text';
        value: string;
        identityConfirmed: boolean;
      };
      const file = await cards.resetPin(
        (request.params as { id: string }).id,
        {
          ...body,
          cardFile: bytes(body.cardFile, 'cardFile'),
          cardKey: Buffer.from(body.cardKey, 'base64url'),
        },
        actor(request),
      );
      return { cardFile: Buffer.from(file).toString('base64') };
    },
  );
}
