import type { FastifyInstance } from 'fastify';
import type { Actor } from '../../core/index.ts';
import { MUTABLE_ITEMS } from '../../registry/index.ts';
import { problemSchema, sendProblem } from '../problem.ts';
import {
  accessRecordSchema,
  idParams,
  residentEventSchema,
  residentInputSchema,
  residentSchema,
} from '../schemas.ts';
import type { System } from '../system.ts';

const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};

/** The register over HTTP. Personal data leaves only through the response schemas here. */
export async function registryRoutes(app: FastifyInstance, opts: { system: System }): Promise<void> {
  const { registry } = opts.system;
  const actor = (r: { actor?: Actor }): Actor => r.actor!;
  const tags = ['registry'];

  app.get(
    '/v1/municipalities',
    {
      config: { access: { roles: ['clerk', 'supervisor', 'auditor'] } },
      schema: {
        tags,
        summary: 'Municipalities in the register',
        response: {
          200: {
            type: 'object',
            properties: {
              municipalities: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    code: { type: 'string' },
                    prefecture: { type: 'string' },
                    name: { type: 'string' },
                  },
                },
              },
            },
          },
          ...problems,
        },
      },
    },
    async () => ({ municipalities: await registry.municipalities.list() }),
  );

  app.post(
    '/v1/residents',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Register a resident (住民登録); a likely duplicate goes to the review queue',
        body: residentInputSchema,
        response: {
          201: {
            type: 'object',
            properties: {
              outcome: { const: 'registered' },
              residentId: { type: 'string' },
              numberLast4: { type: 'string' },
            },
          },
          202: {
            type: 'object',
            properties: {
              outcome: { const: 'review' },
              reviewId: { type: 'string' },
              candidateIds: { type: 'array', items: { type: 'string' } },
            },
          },
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const outcome = await registry.register(request.body as Record<string, unknown>, actor(request));
      if (outcome.kind === 'registered') {
        return reply
          .code(201)
          .send({ outcome: 'registered', residentId: outcome.residentId, numberLast4: outcome.numberLast4 });
      }
      if (outcome.kind === 'review') {
        return reply
          .code(202)
          .send({ outcome: 'review', reviewId: outcome.reviewId, candidateIds: outcome.candidateIds });
      }
      throw new Error('unreachable');
    },
  );

  app.get(
    '/v1/residents/:id',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'A resident (住民票)',
        params: idParams,
        response: { 200: residentSchema, ...problems },
      },
    },
    async (request) => registry.get((request.params as { id: string }).id, actor(request)),
  );

  app.post(
    '/v1/residents/search',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Find residents by individual number, or by name (kanji or kana) and birth date',
        description: 'A POST, so that no number or name ever appears in a URL or an access log.',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            number: { type: 'string', maxLength: 40 },
            name: { type: 'string', maxLength: 200 },
            kana: { type: 'string', maxLength: 200 },
            birthDate: { type: 'string', maxLength: 40 },
            limit: { type: 'integer', minimum: 1, maximum: 100 },
          },
          oneOf: [
            { required: ['number'] },
            { required: ['name', 'birthDate'] },
            { required: ['kana', 'birthDate'] },
          ],
        },
        response: {
          200: {
            type: 'object',
            properties: {
              residents: { type: 'array', items: residentSchema },
              retiredNumber: { type: 'boolean' },
            },
          },
          ...problems,
        },
      },
    },
    async (request) => {
      const b = request.body as {
        number?: string;
        name?: string;
        kana?: string;
        birthDate?: string;
        limit?: number;
      };
      const query =
        b.number !== undefined
          ? { number: b.number }
          : b.name !== undefined
            ? { name: b.name, birthDate: b.birthDate ?? '' }
            : { kana: b.kana ?? '', birthDate: b.birthDate ?? '' };
      return registry.search(query, actor(request), b.limit ?? 20);
    },
  );

  app.get(
    '/v1/residents/:id/history',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Every life event of a resident, with what it changed',
        params: idParams,
        response: {
          200: { type: 'object', properties: { events: { type: 'array', items: residentEventSchema } } },
          ...problems,
        },
      },
    },
    async (request) => ({
      events: await registry.history((request.params as { id: string }).id, actor(request)),
    }),
  );

  const changeProperties = Object.fromEntries(
    MUTABLE_ITEMS.map((k) => [k, { type: ['string', 'null'], maxLength: 400 }]),
  );
  app.post(
    '/v1/residents/:id/events',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Record a life event: move, name-change, death, or (supervisor) correction',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'effectiveDate'],
          properties: {
            kind: { type: 'string', enum: ['move', 'name-change', 'death', 'correction'] },
            effectiveDate: { type: 'string', maxLength: 40 },
            reason: { type: 'string', maxLength: 500 },
            expectedVersion: { type: 'integer', minimum: 1 },
            changes: { type: 'object', additionalProperties: false, properties: changeProperties },
          },
        },
        response: { 200: residentSchema, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body as Parameters<typeof registry.recordEvent>[1];
      const who = actor(request);
      if (body.kind === 'correction' && who.role !== 'supervisor') {
        return sendProblem(
          request,
          reply,
          403,
          'AUTH_ROLE_FORBIDDEN',
          'Only a supervisor may record a correction.',
        );
      }
      return registry.recordEvent((request.params as { id: string }).id, body, who);
    },
  );

  app.post(
    '/v1/residents/:id/number/reveal',
    {
      config: { access: { roles: ['clerk', 'supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Show the individual number (recorded as an access)',
        params: idParams,
        response: { 200: { type: 'object', properties: { number: { type: 'string' } } }, ...problems },
      },
    },
    async (request) => ({
      number: await registry.revealNumber((request.params as { id: string }).id, actor(request)),
    }),
  );

  app.post(
    '/v1/residents/:id/number/reassign',
    {
      config: { access: { roles: ['supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Replace a leaked number (番号法 art. 7(2)); the old one is retired for good',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['reason'],
          properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
        },
        response: { 200: { type: 'object', properties: { numberLast4: { type: 'string' } } }, ...problems },
      },
    },
    async (request) =>
      registry.reassignNumber(
        (request.params as { id: string }).id,
        (request.body as { reason: string }).reason,
        actor(request),
      ),
  );

  app.get(
    '/v1/reviews',
    {
      config: { access: { roles: ['supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Registrations held for review as likely duplicates',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['pending', 'approved', 'rejected'], default: 'pending' },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            after: { type: 'string', maxLength: 36 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              reviews: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    status: { type: 'string' },
                    submittedAt: { type: 'string' },
                    submittedBy: { type: 'string' },
                    input: residentInputSchema,
                    candidateIds: { type: 'array', items: { type: 'string' } },
                    decidedAt: { type: ['string', 'null'] },
                    decidedBy: { type: ['string', 'null'] },
                    decisionReason: { type: ['string', 'null'] },
                    residentId: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          ...problems,
        },
      },
    },
    async (request) => {
      const q = request.query as {
        status: 'pending' | 'approved' | 'rejected';
        limit: number;
        after?: string;
      };
      return { reviews: await registry.reviews.list(q.status, q.limit, q.after) };
    },
  );

  app.post(
    '/v1/reviews/:id/decision',
    {
      config: { access: { roles: ['supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Decide a review: register (a different person) or reject (the same person)',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['decision'],
          properties: {
            decision: { type: 'string', enum: ['register', 'reject'] },
            reason: { type: 'string', maxLength: 500 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string' }, residentId: { type: ['string', 'null'] } },
          },
          ...problems,
        },
      },
    },
    async (request) => {
      const b = request.body as { decision: 'register' | 'reject'; reason?: string };
      return registry.reviews.decide(
        (request.params as { id: string }).id,
        b.decision,
        b.reason ?? '',
        actor(request),
      );
    },
  );

  // Only the import takes raw bytes (and its larger limit); every other route is JSON.
  await app.register(async (scoped) => {
    scoped.addContentTypeParser(
      ['text/csv', 'application/octet-stream'],
      { parseAs: 'buffer', bodyLimit: opts.system.config.importLimit },
      (_req, body, done) => done(null, body),
    );
    scoped.post(
      '/v1/imports/residents',
      {
        config: { access: { roles: ['supervisor'], purpose: true } },
        bodyLimit: opts.system.config.importLimit,
        schema: {
          tags,
          summary: 'Import residents from CSV (UTF-8 or Shift_JIS); bad rows are reported, never written',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              dryRun: { type: 'boolean', default: false },
              encoding: { type: 'string', enum: ['auto', 'utf-8', 'shift_jis'], default: 'auto' },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                rows: { type: 'integer' },
                registered: { type: 'integer' },
                queuedForReview: { type: 'integer' },
                rejected: { type: 'integer' },
                dryRun: { type: 'boolean' },
                errors: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      line: { type: 'integer' },
                      code: { type: 'string' },
                      message: { type: 'string' },
                      field: { type: 'string' },
                    },
                  },
                },
              },
            },
            ...problems,
            415: problemSchema,
          },
        },
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body))
          return sendProblem(
            request,
            reply,
            415,
            'REQUEST_UNSUPPORTED_MEDIA_TYPE',
            'Residents are imported as CSV: send Content-Type: text/csv.',
          );
        const q = request.query as { dryRun: boolean; encoding: 'auto' | 'utf-8' | 'shift_jis' };
        return registry.import(request.body, {
          actor: actor(request),
          dryRun: q.dryRun,
          encoding: q.encoding,
        });
      },
    );
  });

  app.get(
    '/v1/access-records',
    {
      config: { access: { roles: ['auditor'], purpose: true } },
      schema: {
        tags: ['audit'],
        summary: 'Access records: who read or changed whose data, why and when',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            residentId: { type: 'string', maxLength: 36 },
            actorId: { type: 'string', maxLength: 64 },
            after: { type: 'string', maxLength: 36 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: {
          200: { type: 'object', properties: { records: { type: 'array', items: accessRecordSchema } } },
          ...problems,
        },
      },
    },
    async (request) => {
      const q = request.query as { residentId?: string; actorId?: string; after?: string; limit: number };
      return { records: await registry.accessRecords(q) };
    },
  );
}
