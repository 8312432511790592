import type { FastifyInstance } from 'fastify';
import { validateCorporateNumber, validateIndividualNumber } from '../../number/index.ts';
import { problemSchema, sendProblem } from '../problem.ts';
import type { System } from '../system.ts';

/** Routes that need no credential and touch no personal data. */
export async function publicRoutes(app: FastifyInstance, opts: { system: System }): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['operations'],
        summary: 'Liveness and database reachability',
        response: {
          200: { type: 'object', properties: { status: { const: 'ok' }, database: { type: 'string' } } },
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      try {
        await opts.system.registry.municipalities.list();
        return { status: 'ok', database: opts.system.store.capabilities.dialect };
      } catch {
        return sendProblem(request, reply, 503, 'DATABASE_UNAVAILABLE', 'The database does not answer.');
      }
    },
  );

  app.post(
    '/v1/numbers/validate',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['number'],
        summary: 'Check the form and check digit of an individual (12) or corporate (13) number',
        description: 'Says nothing about whether the number was issued; it stores and logs nothing.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['number'],
          properties: {
            number: { type: 'string', maxLength: 64 },
            kind: { type: 'string', enum: ['individual', 'corporate'], default: 'individual' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              valid: { type: 'boolean' },
              normalized: { type: 'string' },
              code: { type: 'string' },
              message: { type: 'string' },
            },
          },
          400: problemSchema,
        },
      },
    },
    async (request) => {
      const b = request.body as { number: string; kind: 'individual' | 'corporate' };
      const r =
        b.kind === 'corporate' ? validateCorporateNumber(b.number) : validateIndividualNumber(b.number);
      return r.ok ? { valid: true, normalized: r.value } : { valid: false, code: r.code, message: r.message };
    },
  );
}
