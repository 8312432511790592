import type { FastifyInstance } from 'fastify';
import { createSigners, type SignerReference } from '../../card/index.ts';
import { AppError } from '../../core/index.ts';
import { commonProblems } from '../problem.ts';
import { rateLimit } from '../rate-limit.ts';
import type { System } from '../system.ts';

/**
 * Signature verification for relying parties (online services, banks, agencies): who
 * signed a document, when, and the certificate's status then and now; and, after a
 * signer's certificate was revoked because their four basic items changed, their current
 * items (the real system's 基本4情報提供 to signature verifiers), on a legal basis.
 * The public `POST /v1/signatures/verify` stays in card-routes and names nobody.
 */

const problems = commonProblems;

/** A detached CMS signature is a few kilobytes; the document may be large. */
const VERIFY_BODY_LIMIT = 32 * 1024 * 1024;
const CURRENT_ITEMS_BODY_LIMIT = 64 * 1024;
const MAX_SIGNATURE_CHARS = 1_000_000;
const MAX_CONTENT_CHARS = 30_000_000;
const MAX_CERTIFICATE_CHARS = 20_000;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

function badInput(at: string, code: string, message: string): AppError {
  return new AppError('REQUEST_INVALID', 'invalid', `${at}: ${message}`, {
    details: [{ at, code, message }],
  });
}

/**
 * Bytes from base64 (standard or URL-safe, whitespace allowed), or — where `pem` is
 * true — PEM text passed on as is for the CMS or certificate parser to read.
 */
export function decodeBytes(
  text: string,
  at: string,
  options: { pem: boolean; allowEmpty: boolean },
): Uint8Array {
  if (text.includes('-----BEGIN')) {
    if (options.pem) return new Uint8Array(Buffer.from(text, 'utf8'));
    throw badInput(at, 'BASE64', 'expected base64, not PEM');
  }
  const compact = text.replace(/\s+/g, '');
  const url = !BASE64.test(compact);
  if (url && !BASE64URL.test(compact))
    throw badInput(at, 'BASE64', options.pem ? 'expected base64 (DER) or PEM' : 'expected base64');
  const bytes = new Uint8Array(Buffer.from(compact, url ? 'base64url' : 'base64'));
  if (bytes.length === 0 && !options.allowEmpty) throw badInput(at, 'EMPTY', 'must not be empty');
  return bytes;
}

export interface VerifyBody {
  readonly signature: string;
  readonly content: string;
}

/** The verification request: the signature (base64 DER or PEM) and the document (base64). */
export function parseVerifyBody(body: VerifyBody): { signature: Uint8Array; content: Uint8Array } {
  return {
    signature: decodeBytes(body.signature, 'signature', { pem: true, allowEmpty: false }),
    content: decodeBytes(body.content, 'content', { pem: false, allowEmpty: true }),
  };
}

export interface CurrentItemsBody {
  readonly certificate: string;
  readonly legalBasis: string;
}

/**
 * The change-tracking request: the signature certificate itself (from the signed
 * document the relying party holds) and the legal basis. A serial alone is not enough:
 * the CRL lists every revoked serial, and the service must answer only for signers whose
 * certificate the relying party actually holds.
 */
export function parseCurrentItemsBody(body: CurrentItemsBody): { ref: SignerReference; legalBasis: string } {
  return {
    ref: { certificate: decodeBytes(body.certificate, 'certificate', { pem: true, allowEmpty: false }) },
    legalBasis: body.legalBasis.trim(),
  };
}

const statusSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['good', 'revoked', 'unknown'] },
    reason: {
      type: 'string',
      description:
        'RFC 5280 reason when revoked: certificateHold is a suspension (card reported lost); affiliationChanged means the basic items changed',
    },
    revokedAt: { type: 'string' },
    at: { type: 'string', description: 'the instant this status refers to' },
  },
} as const;

/** The four basic items: the only personal data these routes may send. */
const basicItemsSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    birthDate: { type: 'string', description: 'YYYY-MM-DD (Gregorian)' },
    sex: { type: 'string', enum: ['male', 'female', 'unspecified'] },
    address: { type: 'string' },
  },
} as const;

const verificationSchema = {
  type: 'object',
  properties: {
    valid: { type: 'boolean' },
    invalid: {
      type: 'object',
      description: 'why the signature is not valid (absent when it is)',
      properties: {
        code: { type: 'string', enum: ['revoked-at-signing', 'key-not-trusted'] },
        message: { type: 'string' },
      },
    },
    signedAt: { type: 'string', description: 'the CMS signingTime' },
    signedAtSource: {
      type: 'string',
      enum: ['signer-claim'],
      description: 'the signing time is written by the signer; no time-stamp authority vouches for it',
    },
    certificate: {
      type: 'object',
      properties: {
        serial: { type: 'string' },
        issuer: { type: 'string' },
        notBefore: { type: 'string' },
        notAfter: { type: 'string' },
      },
    },
    statusAtSigning: statusSchema,
    statusNow: statusSchema,
    signer: {
      ...basicItemsSchema,
      description:
        "the four basic items in the signer's certificate; only for institutions entitled to signer-items",
    },
  },
} as const;

const currentItemsSchema = {
  type: 'object',
  properties: {
    serial: { type: 'string' },
    revokedAt: { type: 'string' },
    reason: { type: 'string', enum: ['affiliationChanged'] },
    current: {
      ...basicItemsSchema,
      description: "the signer's four basic items as the register holds them now",
    },
    newerCertificate: {
      type: ['object', 'null'],
      description:
        'a signature certificate issued after the revoked one and in force now (ask the signer to sign again)',
      properties: {
        serial: { type: 'string' },
        notBefore: { type: 'string' },
        notAfter: { type: 'string' },
      },
    },
    legalBasis: { type: 'string' },
  },
} as const;

/** Relying-party routes for signed documents. Registered by app.ts. */
export async function signatureRoutes(app: FastifyInstance, opts: { system: System }): Promise<void> {
  const { system } = opts;
  const signers = createSigners({
    clock: system.clock,
    pki: system.pki,
    registry: system.registry,
    cards: system.cards.cards,
  });
  const tags = ['signatures'];
  // Verification costs real CPU (RSA, chain building); the same budget as the public route.
  const verifyLimit = rateLimit({ limit: system.config.rateLimit * 10, windowMs: 60_000 });

  app.post(
    '/v1/relying-party/signatures/verify',
    {
      config: { access: { roles: ['relying-party'] } },
      preHandler: verifyLimit,
      bodyLimit: VERIFY_BODY_LIMIT,
      schema: {
        tags,
        summary:
          'Verify a signed document for a relying party: who signed, when, and the certificate status then and now',
        description:
          "The signer's four basic items are included only when the caller's institution holds the signer-items entitlement. A signature made while the certificate was revoked or suspended, or with a key now suspended or compromised, comes back with valid=false and a reason.",
        body: {
          type: 'object',
          required: ['signature', 'content'],
          additionalProperties: false,
          properties: {
            signature: {
              type: 'string',
              maxLength: MAX_SIGNATURE_CHARS,
              description: 'the CMS signature, base64 DER or PEM',
            },
            content: {
              type: 'string',
              maxLength: MAX_CONTENT_CHARS,
              description: 'the signed document, base64',
            },
          },
        },
        response: { 200: verificationSchema, ...problems },
      },
    },
    async (request) => {
      const { signature, content } = parseVerifyBody(request.body as VerifyBody);
      const institutionId = request.actor?.institutionId;
      const institution =
        institutionId === undefined ? undefined : await system.institutions.get(institutionId);
      const includeItems = institution?.entitlements.includes('signer-items') ?? false;
      return signers.verifyForRelyingParty(signature, content, { includeItems });
    },
  );

  app.post(
    '/v1/relying-party/signers/current-items',
    {
      config: { access: { roles: ['relying-party'], entitlement: 'change-tracking', purpose: true } },
      bodyLimit: CURRENT_ITEMS_BODY_LIMIT,
      schema: {
        tags,
        summary:
          "A signer's current four basic items after their signature certificate was revoked for a change (基本4情報提供)",
        description:
          'Only for a signature certificate revoked because the basic items changed (a move, a name change), on a legal basis from the table, for institutions entitled to change-tracking. The read is recorded in the access log under the caller and its purpose.',
        body: {
          type: 'object',
          required: ['certificate', 'legalBasis'],
          additionalProperties: false,
          properties: {
            certificate: {
              type: 'string',
              maxLength: MAX_CERTIFICATE_CHARS,
              description: 'the revoked signature certificate, from the signed document: base64 DER or PEM',
            },
            legalBasis: { type: 'string', maxLength: 64, description: 'an id from the table of legal bases' },
          },
        },
        response: { 200: currentItemsSchema, ...problems },
      },
    },
    async (request) => {
      const { ref, legalBasis } = parseCurrentItemsBody(request.body as CurrentItemsBody);
      const actor = request.actor;
      // The access hook sets the actor on every staff route; without one, nobody is named.
      if (actor === undefined)
        throw new AppError('AUTH_MISSING_CREDENTIAL', 'unauthenticated', 'this route needs a credential');
      return signers.currentItemsOfSigner(ref, { actor, legalBasis });
    },
  );
}
