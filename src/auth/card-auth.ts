import { createHash, randomBytes, verify, X509Certificate } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError, type Clock } from '../core/index.ts';
import type { Pki } from '../pki/index.ts';
import type { AnyDb, DomainMigration } from '../store/index.ts';

/**
 * Signing in with the card: the server issues a fresh, single-use, short-lived challenge
 * bound to an audience (the service the person is signing in to); the chip signs it with
 * its authentication key after the 4-digit PIN; the server checks the signature, the
 * chain to our authentication CA, the validity and the status now, and answers with the
 * card — never with the individual number, which the authentication certificate does
 * not carry.
 */
export const CHALLENGE_TTL_MS = 120_000;
const AUDIENCE = /^[A-Za-z0-9][A-Za-z0-9.:/_-]{0,199}$/;

type ChallengeTables = {
  auth_card_challenge: {
    id: string;
    audience: string;
    created_at: string;
    expires_at: string;
    used_at: string | null;
  };
};

export const cardAuthMigrations: DomainMigration[] = [
  {
    name: '0007-auth-card-challenge',
    async up(db) {
      await db.schema
        .createTable('auth_card_challenge')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('audience', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createIndex('auth_card_challenge_expiry')
        .on('auth_card_challenge')
        .column('expires_at')
        .execute();
    },
  },
];

export interface CardChallenge {
  readonly challengeId: string;
  readonly audience: string;
  /** The exact bytes the card signs (SHA-256, PKCS#1 v1.5): they name the audience and the challenge. */
  readonly message: Uint8Array;
  readonly expiresAt: Date;
}

export interface CardAuthentication {
  readonly cardId: string;
  readonly serial: string;
}

/** The bytes a card signs for a challenge: a fixed label, the audience and the challenge. */
export function challengeMessage(audience: string, challengeId: string): Uint8Array {
  return Buffer.from(`myna-card-auth/1\n${audience}\n${challengeId}`, 'utf8');
}

const fail = (code: string, message: string, kind: 'unauthenticated' | 'invalid' = 'unauthenticated') =>
  new AppError(code, kind, message);

export function createCardAuthenticator(deps: { db: AnyDb; clock: Clock; pki: Pki }) {
  const t = (db: AnyDb = deps.db): Kysely<ChallengeTables> => db.withTables<ChallengeTables>();
  let authority: X509Certificate | undefined;
  let lastSweep = Number.NEGATIVE_INFINITY;
  const authenticationCa = async (): Promise<X509Certificate> => {
    authority ??= new X509Certificate(await deps.pki.caCertificate('authentication'));
    return authority;
  };

  return {
    async challenge(audience: string): Promise<CardChallenge> {
      if (!AUDIENCE.test(audience))
        throw fail('AUTH_AUDIENCE_INVALID', 'the audience is 1–200 letters, digits and . : / _ -', 'invalid');
      const now = deps.clock.now();
      const challengeId = randomBytes(32).toString('base64url');
      const expiresAt = new Date(now.getTime() + CHALLENGE_TTL_MS);
      // Old challenges are swept at most once a minute; a used or expired one is never
      // accepted anyway.
      if (now.getTime() - lastSweep >= 60_000) {
        lastSweep = now.getTime();
        await t()
          .deleteFrom('auth_card_challenge')
          .where('expires_at', '<', new Date(now.getTime() - 3_600_000).toISOString())
          .execute();
      }
      await t()
        .insertInto('auth_card_challenge')
        .values({
          id: challengeId,
          audience,
          created_at: now.toISOString(),
          expires_at: expiresAt.toISOString(),
          used_at: null,
        })
        .execute();
      return { challengeId, audience, message: challengeMessage(audience, challengeId), expiresAt };
    },

    async verify(input: {
      challengeId: string;
      audience: string;
      certificate: Uint8Array;
      signature: Uint8Array;
    }): Promise<CardAuthentication> {
      const now = deps.clock.now();
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(input.certificate);
      } catch {
        throw fail('AUTH_CERTIFICATE_MALFORMED', 'the certificate is not DER X.509', 'invalid');
      }
      const row = await t()
        .selectFrom('auth_card_challenge')
        .selectAll()
        .where('id', '=', input.challengeId)
        .executeTakeFirst();
      if (row === undefined) throw fail('AUTH_CHALLENGE_UNKNOWN', 'no such challenge; ask for a new one');
      if (row.audience !== input.audience)
        throw fail('AUTH_AUDIENCE_MISMATCH', 'the challenge was issued for another audience');
      if (row.used_at !== null) throw fail('AUTH_CHALLENGE_REPLAYED', 'the challenge has been used already');
      if (new Date(row.expires_at) <= now) throw fail('AUTH_CHALLENGE_EXPIRED', 'the challenge has expired');

      const ca = await authenticationCa();
      if (!certificate.checkIssued(ca) || !certificate.verify(ca.publicKey))
        throw fail(
          'AUTH_CERTIFICATE_UNTRUSTED',
          'the certificate is not from the Myna user-authentication CA',
        );
      // Node writes a serial with a high first bit with its leading 00 byte; the CA without.
      const hex = certificate.serialNumber.toLowerCase();
      const record =
        (await deps.pki.certificate(hex)) ?? (await deps.pki.certificate(hex.replace(/^(00)+/, '')));
      const serial = record?.serial ?? hex;
      const sha256 = createHash('sha256').update(certificate.raw).digest('hex');
      if (record === undefined || record.kind !== 'authentication' || record.sha256 !== sha256)
        throw fail(
          'AUTH_CERTIFICATE_UNTRUSTED',
          'the certificate is not one this CA issued for authentication',
        );
      if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo))
        throw fail('AUTH_CERTIFICATE_EXPIRED', 'the certificate is not valid now');
      // The CA's record carries the status now (status changes are never dated ahead).
      if (record.status === 'hold')
        throw fail('AUTH_CARD_SUSPENDED', 'the card is suspended (reported lost)');
      if (record.status !== 'good')
        throw fail('AUTH_CERTIFICATE_REVOKED', 'the certificate has been revoked');
      const ok = verify(
        'sha256',
        challengeMessage(row.audience, row.id),
        certificate.publicKey,
        input.signature,
      );
      if (!ok)
        throw fail('AUTH_SIGNATURE_INVALID', 'the signature does not match the challenge and certificate');
      // Single use, also under concurrency: only one answer can flip used_at.
      const used = await t()
        .updateTable('auth_card_challenge')
        .set({ used_at: now.toISOString() })
        .where('id', '=', row.id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1)
        throw fail('AUTH_CHALLENGE_REPLAYED', 'the challenge has been used already');
      return { cardId: record.cardId, serial };
    },
  };
}

export type CardAuthenticator = ReturnType<typeof createCardAuthenticator>;
