import type { FastifyInstance } from 'fastify';
import type { Actor } from '../../core/index.ts';
import { CARD_CLASSIFICATIONS, HIGH_COST_CATEGORIES, INSURER_KINDS } from '../../insurance/index.ts';
import { problemSchema } from '../problem.ts';
import type { System } from '../system.ts';

const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const text = (maxLength: number, description?: string) =>
  ({ type: 'string', maxLength, ...(description === undefined ? {} : { description }) }) as const;
const nullableText = { type: ['string', 'null'] } as const;
const UUID = '^[0-9a-f-]{36}$';

const insurerSchema = {
  type: 'object',
  properties: {
    institutionId: { type: 'string' },
    insurerNumber: { type: 'string' },
    kind: { type: 'string', enum: [...INSURER_KINDS] },
    name: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;

/** An enrolment as its insurer sees it: the insurer's own items, no personal data. */
const enrolmentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    insurerNumber: { type: 'string' },
    symbol: { type: 'string' },
    number: { type: 'string' },
    branch: { type: 'string' },
    relation: { type: 'string', enum: ['self', 'dependant'] },
    insuredEnrolmentId: nullableText,
    insuredPersonRelation: nullableText,
    cardClassification: { type: 'string' },
    copayRatio: { type: 'integer' },
    qualificationDate: { type: 'string' },
    validUntil: nullableText,
    highCostCategory: nullableText,
    linkStatus: { type: 'string', enum: ['linked', 'review', 'rejected'] },
    linkedBy: nullableText,
    linkedAt: nullableText,
    numberGiven: { type: 'boolean' },
    endedAt: nullableText,
    endReason: nullableText,
    supersededBy: nullableText,
    submittedAt: { type: 'string' },
    submittedBy: { type: 'string' },
  },
} as const;

/**
 * Only the shapes of the items are checked here; what they must say (dates, codes,
 * dependants, the insurer's kind) the domain checks and reports as
 * INSURANCE_INVALID_ENROLMENT with every problem in `details`.
 */
const enrolmentInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['symbol', 'number', 'branch', 'relation', 'cardClassification', 'copayRatio'],
  properties: {
    symbol: text(40, '被保険者記号'),
    number: text(40, '被保険者番号'),
    branch: text(10, '枝番 (2 digits)'),
    relation: text(20, "'self' (本人) or 'dependant' (家族)"),
    insuredEnrolmentId: {
      ...text(40, "a dependant's insured person's enrolment id"),
      type: ['string', 'null'],
    },
    insuredPersonRelation: { ...text(40, "a dependant's relation to the insured"), type: ['string', 'null'] },
    cardClassification: text(10, `被保険者証区分: ${CARD_CLASSIFICATIONS.join(', ')}`),
    copayRatio: { type: 'integer', description: '一部負担金割合, percent: 10, 20 or 30' },
    qualificationDate: text(40, '資格取得年月日'),
    validUntil: { ...text(40, '有効期限'), type: ['string', 'null'] },
    highCostCategory: {
      ...text(10, `限度額適用区分: ${HIGH_COST_CATEGORIES[0]}–A06, B01–B10`),
      type: ['string', 'null'],
    },
    familyName: text(200),
    givenName: { ...text(200), type: ['string', 'null'] },
    familyNameKana: { ...text(200), type: ['string', 'null'] },
    givenNameKana: { ...text(200), type: ['string', 'null'] },
    birthDate: text(40),
    sex: text(32),
    address: text(400),
    individualNumber: {
      ...text(40, 'the individual number, only where the person gave it; used to look them up, never stored'),
      type: ['string', 'null'],
    },
  },
} as const;

const factsSchema = {
  type: ['object', 'null'],
  properties: {
    familyName: { type: 'string' },
    givenName: nullableText,
    familyNameKana: nullableText,
    givenNameKana: nullableText,
    birthDate: { type: 'string' },
    sex: { type: 'string' },
    address: { type: 'string' },
  },
} as const;

const matchedSchema = {
  type: 'object',
  properties: Object.fromEntries(
    ['name', 'kana', 'birthDate', 'sex', 'address'].map((k) => [k, { type: 'boolean' }]),
  ),
} as const;

const reviewSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    enrolmentId: { type: 'string' },
    insurerNumber: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'linked', 'rejected'] },
    submittedAt: { type: 'string' },
    reasons: { type: 'array', items: { type: 'string' } },
    record: factsSchema,
    candidates: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          score: { type: 'integer' },
          matched: matchedSchema,
          reasons: { type: 'array', items: { type: 'string' } },
          register: factsSchema,
        },
      },
    },
    decidedAt: nullableText,
    decidedBy: nullableText,
    decisionReason: nullableText,
  },
} as const;

const insurerParams = {
  type: 'object',
  required: ['insurerNumber'],
  properties: { insurerNumber: text(40, '保険者番号') },
} as const;
const enrolmentParams = {
  type: 'object',
  required: ['insurerNumber', 'id'],
  properties: { insurerNumber: text(40, '保険者番号'), id: { type: 'string', pattern: UUID } },
} as const;
const pageQuery = (statuses: readonly string[]) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: {
      status: { type: 'string', enum: [...statuses] },
      after: { type: 'string', pattern: UUID },
      limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    },
  }) as const;

/** Health insurance over HTTP: insurers, enrolments and their links, link reviews, the sweep. */
export async function insuranceRoutes(app: FastifyInstance, opts: { system: System }): Promise<void> {
  const { insurance } = opts.system;
  const actor = (r: { actor?: Actor }): Actor => r.actor!;
  const tags = ['insurance'];

  app.post(
    '/v1/insurers',
    {
      config: { access: { roles: ['operator'] } },
      schema: {
        tags,
        summary: "Register an insurer institution's insurer record (number, kind, name)",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['institutionId'],
          properties: {
            institutionId: { type: 'string', pattern: UUID },
            kind: { type: 'string', enum: [...INSURER_KINDS] },
            name: text(200),
          },
        },
        response: { 201: insurerSchema, ...problems },
      },
    },
    async (request, reply) => {
      const b = request.body as { institutionId: string; kind?: string; name?: string };
      return reply.code(201).send(await insurance.insurers.register(b));
    },
  );

  app.get(
    '/v1/insurers',
    {
      config: { access: { roles: ['operator', 'auditor'] } },
      schema: {
        tags,
        summary: 'Registered insurers',
        response: {
          200: { type: 'object', properties: { insurers: { type: 'array', items: insurerSchema } } },
          ...problems,
        },
      },
    },
    async () => ({ insurers: await insurance.insurers.list() }),
  );

  app.post(
    '/v1/insurers/:insurerNumber/enrolments',
    {
      config: { access: { roles: ['insurer-officer'], purpose: true } },
      schema: {
        tags,
        summary: 'Submit an enrolment (資格取得届); linked only on an exact, unique four-item match',
        description:
          'An exact, unique match of name, birth date, sex and address links the enrolment under the insurer’s pseudonym (201). Weaker evidence waits for a supervisor (202). A number that is not this person’s is refused (INSURANCE_NUMBER_MISMATCH).',
        params: insurerParams,
        body: enrolmentInputSchema,
        response: {
          201: {
            type: 'object',
            properties: {
              outcome: { const: 'linked' },
              enrolmentId: { type: 'string' },
              reasons: { type: 'array', items: { type: 'string' } },
            },
          },
          202: {
            type: 'object',
            properties: {
              outcome: { const: 'review' },
              enrolmentId: { type: 'string' },
              reviewId: { type: 'string' },
              reasons: { type: 'array', items: { type: 'string' } },
            },
          },
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const { insurerNumber } = request.params as { insurerNumber: string };
      const outcome = await insurance.enrolments.submit(insurerNumber, request.body, actor(request));
      return reply.code(outcome.outcome === 'linked' ? 201 : 202).send(outcome);
    },
  );

  app.get(
    '/v1/insurers/:insurerNumber/enrolments',
    {
      config: { access: { roles: ['insurer-officer'] } },
      schema: {
        tags,
        summary: "The insurer's enrolments, a page at a time",
        params: insurerParams,
        querystring: pageQuery(['linked', 'review', 'rejected']),
        response: {
          200: { type: 'object', properties: { enrolments: { type: 'array', items: enrolmentSchema } } },
          ...problems,
        },
      },
    },
    async (request) => {
      const { insurerNumber } = request.params as { insurerNumber: string };
      const q = request.query as { status?: 'linked' | 'review' | 'rejected'; after?: string; limit: number };
      return {
        enrolments: await insurance.enrolments.list(insurerNumber, actor(request), {
          status: q.status,
          after: q.after,
          limit: q.limit,
        }),
      };
    },
  );

  app.get(
    '/v1/insurers/:insurerNumber/enrolments/:id',
    {
      config: { access: { roles: ['insurer-officer'] } },
      schema: {
        tags,
        summary: 'One enrolment',
        params: enrolmentParams,
        response: { 200: enrolmentSchema, ...problems },
      },
    },
    async (request) => {
      const { insurerNumber, id } = request.params as { insurerNumber: string; id: string };
      return insurance.enrolments.get(insurerNumber, id, actor(request));
    },
  );

  app.post(
    '/v1/insurers/:insurerNumber/enrolments/:id/end',
    {
      config: { access: { roles: ['insurer-officer'] } },
      schema: {
        tags,
        summary: 'Loss of qualification (資格喪失): the first day not covered, and why',
        params: enrolmentParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['date', 'reason'],
          properties: { date: text(40), reason: text(400) },
        },
        response: { 200: enrolmentSchema, ...problems },
      },
    },
    async (request) => {
      const { insurerNumber, id } = request.params as { insurerNumber: string; id: string };
      const b = request.body as { date: string; reason: string };
      return insurance.enrolments.end(insurerNumber, id, b, actor(request));
    },
  );

  app.get(
    '/v1/insurance/link-reviews',
    {
      config: { access: { roles: ['supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Link reviews: the record and the register’s candidates side by side',
        description: 'Showing a candidate’s items is recorded for that resident to see.',
        querystring: pageQuery(['pending', 'linked', 'rejected']),
        response: {
          200: { type: 'object', properties: { reviews: { type: 'array', items: reviewSchema } } },
          ...problems,
        },
      },
    },
    async (request) => {
      const q = request.query as {
        status?: 'pending' | 'linked' | 'rejected';
        after?: string;
        limit: number;
      };
      return {
        reviews: await insurance.reviews.list(q.status ?? 'pending', actor(request), {
          limit: q.limit,
          after: q.after,
        }),
      };
    },
  );

  app.post(
    '/v1/insurance/link-reviews/:id/decision',
    {
      config: { access: { roles: ['supervisor'], purpose: true } },
      schema: {
        tags,
        summary: 'Decide a link review: link to one candidate, or reject',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: UUID } } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['decision', 'reason'],
          properties: {
            decision: { type: 'string', enum: ['link', 'reject'] },
            candidateKey: text(64, "the chosen candidate's key (for 'link')"),
            reason: text(500),
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string', enum: ['linked', 'rejected'] },
              enrolmentId: { type: 'string' },
            },
          },
          ...problems,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const b = request.body as { decision: 'link' | 'reject'; candidateKey?: string; reason: string };
      const decision =
        b.decision === 'link'
          ? { decision: 'link' as const, candidateKey: b.candidateKey ?? '' }
          : { decision: 'reject' as const };
      return insurance.reviews.decide(id, decision, b.reason, actor(request));
    },
  );

  app.post(
    '/v1/insurance/link-audit',
    {
      config: { access: { roles: ['operator', 'auditor'] } },
      schema: {
        tags,
        summary: 'Re-check every link in force against the register; report suspect ones',
        response: {
          200: {
            type: 'object',
            properties: {
              checked: { type: 'integer' },
              suspect: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    enrolmentId: { type: 'string' },
                    insurerNumber: { type: 'string' },
                    reasons: { type: 'array', items: { type: 'string' } },
                  },
                },
              },
            },
          },
          ...problems,
        },
      },
    },
    async (request) =>
      insurance.auditLinks({
        actor: {
          ...actor(request),
          purpose: actor(request).purpose === 'none' ? 'insurance-link-audit' : actor(request).purpose,
        },
      }),
  );
}
