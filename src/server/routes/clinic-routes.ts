import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../../core/index.ts';
import { CONSENT_ITEMS, type Confirmations, type ConsentItem } from '../../insurance/index.ts';
import { commonProblems } from '../problem.ts';
import { challengeSchema } from '../schemas.ts';
import type { System } from '../system.ts';

const problems = commonProblems;
const tags = ['clinic'];
const b64 = (max: number) =>
  ({ type: 'string', minLength: 1, maxLength: max, pattern: '^[A-Za-z0-9+/_=-]+$' }) as const;
const clinic = { access: { roles: ['clinic-receptionist'] } } as const;

const consentSchema = {
  type: 'array',
  description:
    'What the patient chose at the reader (valid 24 hours, for this institution only): medication 薬剤情報, checkups 特定健診情報, treatment 診療情報, surgery 手術情報, high-cost 限度額適用区分. Omit to keep the consent in force.',
  maxItems: CONSENT_ITEMS.length,
  uniqueItems: true,
  items: { type: 'string', enum: CONSENT_ITEMS },
} as const;

const consentOut = {
  anyOf: [
    {
      type: 'object',
      properties: {
        items: { type: 'array', items: { type: 'string' } },
        givenAt: { type: 'string' },
        expiresAt: { type: 'string' },
      },
    },
    { type: 'null' },
  ],
} as const;

const answerSchema = {
  type: 'object',
  properties: {
    confirmationId: { type: 'string' },
    confirmedAt: { type: 'string' },
    mode: { type: 'string', enum: ['pin', 'visual', 'certificate'] },
    validity: { type: 'string', enum: ['valid', 'invalid', 'superseded', 'none', 'multiple'] },
    validityCode: {
      type: 'string',
      description: '資格有効性: 1 valid, 2 invalid, 3 superseded, 4 none, 5 multiple',
    },
    patient: {
      anyOf: [
        {
          type: 'object',
          properties: {
            name: { type: 'string' },
            kana: { type: ['string', 'null'] },
            birthDate: { type: 'string' },
            sex: { type: 'string' },
          },
        },
        { type: 'null' },
      ],
    },
    qualifications: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          insurerNumber: { type: 'string' },
          insurerName: { type: 'string' },
          cardClassification: { type: 'string' },
          symbol: { type: 'string' },
          number: { type: 'string' },
          branch: { type: 'string' },
          relation: { type: 'string', enum: ['self', 'dependant'] },
          insuredPersonRelation: { type: ['string', 'null'] },
          copayRatio: { type: 'integer' },
          qualificationDate: { type: 'string' },
          validUntil: { type: ['string', 'null'] },
          eligible: { type: 'boolean' },
          endedAt: { type: ['string', 'null'] },
          endReason: { type: ['string', 'null'] },
          highCostCategory: { type: ['string', 'null'] },
          highCostShown: { type: 'boolean' },
        },
      },
    },
    consent: consentOut,
    items: { type: 'array', items: { type: 'string' } },
  },
} as const;

const recordSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    at: { type: 'string' },
    institution: {
      type: 'object',
      properties: { id: { type: 'string' }, name: { type: 'string' }, code: { type: ['string', 'null'] } },
    },
    mode: { type: 'string' },
    validity: { type: 'string' },
    items: { type: 'array', items: { type: 'string' } },
    consents: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** The actor, with the purpose the route itself stands for (the access record names it). */
const actorFor = (request: FastifyRequest, purpose: string): Actor => ({ ...request.actor!, purpose });

/**
 * Online qualification confirmation at clinic reception (issue 5): a challenge for the
 * card on the reader, confirmation by PIN or by the receptionist's visual check, by a
 * 資格確認書's QR code; the insurer's 資格確認書; and the patient's own list of
 * confirmations. See docs/clinic.md.
 */
export async function clinicRoutes(
  app: FastifyInstance,
  opts: { system: System; confirmations?: Confirmations },
): Promise<void> {
  const { system } = opts;
  const confirmations = opts.confirmations ?? system.confirmations;

  app.post(
    '/v1/clinic/challenge',
    {
      config: clinic,
      schema: {
        tags,
        summary: "A single-use challenge (2 minutes) for the patient's card, bound to this institution",
        response: { 200: challengeSchema, ...problems },
      },
    },
    async (request) => {
      const c = await confirmations.challenge(actorFor(request, 'qualification-confirmation'));
      return {
        ...c,
        message: Buffer.from(c.message).toString('base64'),
        expiresAt: c.expiresAt.toISOString(),
      };
    },
  );

  app.post(
    '/v1/clinic/confirmations',
    {
      config: clinic,
      schema: {
        tags,
        summary:
          "Confirm a patient's insurance with the card: mode 'pin' (the card's signature over the challenge) or 'visual' (the certificate read without a PIN, and the receptionist compared the patient with the chip's photo)",
        body: {
          type: 'object',
          required: ['mode', 'certificate'],
          additionalProperties: false,
          properties: {
            mode: { type: 'string', enum: ['pin', 'visual'] },
            challengeId: { type: 'string', minLength: 1, maxLength: 64 },
            certificate: b64(16_384),
            signature: b64(1_024),
            comparedWithPhoto: { type: 'boolean' },
            consent: consentSchema,
          },
          oneOf: [
            { properties: { mode: { const: 'pin' } }, required: ['challengeId', 'signature'] },
            { properties: { mode: { const: 'visual' } }, required: ['comparedWithPhoto'] },
          ],
        },
        response: { 200: answerSchema, ...problems },
      },
    },
    async (request) => {
      const body = request.body as {
        mode: 'pin' | 'visual';
        challengeId?: string;
        certificate: string;
        signature?: string;
        comparedWithPhoto?: boolean;
        consent?: ConsentItem[];
      };
      const actor = actorFor(request, 'qualification-confirmation');
      const certificate = Buffer.from(body.certificate, 'base64');
      if (body.mode === 'pin')
        return confirmations.confirmWithPin(
          {
            challengeId: body.challengeId!,
            certificate,
            signature: Buffer.from(body.signature!, 'base64'),
            consent: body.consent,
          },
          actor,
        );
      return confirmations.confirmVisually(
        { certificate, comparedWithPhoto: body.comparedWithPhoto === true, consent: body.consent },
        actor,
      );
    },
  );

  app.post(
    '/v1/clinic/confirmations/by-certificate',
    {
      config: clinic,
      schema: {
        tags,
        summary: "Confirm a patient's insurance with the QR code of a 資格確認書 (query mode 2)",
        body: {
          type: 'object',
          required: ['payload'],
          additionalProperties: false,
          properties: { payload: { type: 'string', minLength: 1, maxLength: 4096 } },
        },
        response: { 200: answerSchema, ...problems },
      },
    },
    async (request) =>
      confirmations.confirmWithCertificate(
        (request.body as { payload: string }).payload,
        actorFor(request, 'qualification-confirmation'),
      ),
  );

  app.post(
    '/v1/insurance/qualification-certificates',
    {
      config: { access: { roles: ['insurer-officer'] } },
      schema: {
        tags: ['insurance'],
        summary:
          'Issue a 資格確認書 (PDF with a signed QR code) for an enrolee of this insurer who is eligible now; for people without a card',
        body: {
          type: 'object',
          required: ['symbol', 'number', 'branch'],
          additionalProperties: false,
          properties: {
            symbol: { type: 'string', maxLength: 20 },
            number: { type: 'string', minLength: 1, maxLength: 20 },
            branch: { type: 'string', pattern: '^[0-9]{2}$' },
          },
        },
        response: { 200: { type: 'string', format: 'binary' }, ...problems },
      },
    },
    async (request, reply) => {
      const issued = await confirmations.issueCertificate(
        request.body as { symbol: string; number: string; branch: string },
        actorFor(request, 'qualification-certificate'),
      );
      return reply
        .type('application/pdf')
        .header('cache-control', 'no-store')
        .header('content-disposition', 'attachment; filename="qualification-certificate.pdf"')
        .header('x-myna-valid-until', issued.validUntil)
        .send(issued.pdf);
    },
  );

  app.get(
    '/v1/me/insurance-confirmations',
    {
      config: { access: { resident: true } },
      schema: {
        tags,
        summary:
          'Your qualification confirmations: which institution, when, how (pin, visual, certificate), what was returned and which consents',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        },
        response: {
          200: { type: 'object', properties: { confirmations: { type: 'array', items: recordSchema } } },
          ...problems,
        },
      },
    },
    async (request) => ({
      confirmations: await confirmations.confirmationsOf(
        request.resident!.residentId,
        (request.query as { limit: number }).limit,
      ),
    }),
  );
}
