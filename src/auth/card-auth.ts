import { createHash, type KeyObject, randomBytes, verify, X509Certificate } from 'node:crypto';
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

/** How many certificates that chain to the authentication CA are kept parsed (about 2 KB each). */
export const CERTIFICATE_CACHE_SIZE = 10_000;

/**
 * What never changes about a certificate's bytes once they were found to be issued and
 * signed by our authentication CA: its serial, validity window and public key. Parsing
 * X.509 costs about six RSA verifications, so a card signing in again skips it and the
 * chain check. Nothing here says whether the certificate is good: its status, kind,
 * card and hash are read from the CA's record on every sign-in.
 */
interface ChainedCertificate {
  readonly der: Buffer;
  readonly serial: string;
  readonly validFrom: number;
  readonly validTo: number;
  readonly publicKey: KeyObject;
}

/** A least-recently-used map: a `Map` keeps insertion order, so a hit moves to the end. */
class Lru<V> {
  readonly #entries = new Map<string, V>();
  constructor(readonly max: number) {}
  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.max) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}

type ChallengeRow = ChallengeTables['auth_card_challenge'];

/** A refusal of the certificate or signature, which a problem with the challenge outranks. */
const refusal = (error: unknown): error is AppError =>
  error instanceof AppError && error.code.startsWith('AUTH_') && error.code !== 'AUTH_CERTIFICATE_MALFORMED';

export function createCardAuthenticator(deps: {
  db: AnyDb;
  clock: Clock;
  pki: Pki;
  /** Parsed certificates kept (least recently used go first); default {@link CERTIFICATE_CACHE_SIZE}. */
  certificateCacheSize?: number;
}) {
  const t = (db: AnyDb = deps.db): Kysely<ChallengeTables> => db.withTables<ChallengeTables>();
  let authority: X509Certificate | undefined;
  let lastSweep = Number.NEGATIVE_INFINITY;
  const chained = new Lru<ChainedCertificate>(deps.certificateCacheSize ?? CERTIFICATE_CACHE_SIZE);
  const authenticationCa = async (): Promise<X509Certificate> => {
    authority ??= new X509Certificate(await deps.pki.caCertificate('authentication'));
    return authority;
  };

  /**
   * The certificate if it is DER X.509 issued and signed by our authentication CA, else
   * undefined; malformed bytes fail. Only certificates that pass are remembered, by the
   * SHA-256 of their bytes and compared byte for byte, so no entry can vouch for others.
   */
  async function chainedCertificate(der: Buffer, sha256: string): Promise<ChainedCertificate | undefined> {
    const known = chained.get(sha256);
    if (known?.der.equals(der)) return known;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(der);
    } catch {
      throw fail('AUTH_CERTIFICATE_MALFORMED', 'the certificate is not DER X.509', 'invalid');
    }
    const ca = await authenticationCa();
    if (!certificate.checkIssued(ca) || !certificate.verify(ca.publicKey)) return undefined;
    const entry: ChainedCertificate = {
      der: Buffer.from(der),
      serial: certificate.serialNumber.toLowerCase(),
      validFrom: new Date(certificate.validFrom).getTime(),
      validTo: new Date(certificate.validTo).getTime(),
      publicKey: certificate.publicKey,
    };
    chained.set(sha256, entry);
    return entry;
  }

  /**
   * Why a challenge cannot be used now, or undefined if it can: unknown, issued for
   * another audience, used already, or expired (in that order).
   */
  async function challengeProblem(
    challengeId: string,
    audience: string,
    now: Date,
    db: AnyDb = deps.db,
  ): Promise<AppError | undefined> {
    const row: ChallengeRow | undefined = await t(db)
      .selectFrom('auth_card_challenge')
      .selectAll()
      .where('id', '=', challengeId)
      .executeTakeFirst();
    if (row === undefined) return fail('AUTH_CHALLENGE_UNKNOWN', 'no such challenge; ask for a new one');
    if (row.audience !== audience)
      return fail('AUTH_AUDIENCE_MISMATCH', 'the challenge was issued for another audience');
    if (row.used_at !== null) return fail('AUTH_CHALLENGE_REPLAYED', 'the challenge has been used already');
    if (new Date(row.expires_at) <= now) return fail('AUTH_CHALLENGE_EXPIRED', 'the challenge has expired');
    return undefined;
  }

  /** Checks the certificate and the signature; the challenge row is not read here. */
  async function checkAnswer(
    input: { challengeId: string; audience: string; certificate: Buffer; signature: Uint8Array },
    sha256: string,
    now: Date,
  ): Promise<CardAuthentication> {
    const certificate = await chainedCertificate(input.certificate, sha256);
    if (certificate === undefined)
      throw fail('AUTH_CERTIFICATE_UNTRUSTED', 'the certificate is not from the Myna user-authentication CA');
    // Node writes a serial with a high first bit with its leading 00 byte; the CA without.
    const hex = certificate.serial;
    // The CA's record, read on every sign-in: it carries the status now (status changes
    // are never dated ahead), so a suspension or revocation applies at once.
    const record =
      (await deps.pki.certificate(hex)) ?? (await deps.pki.certificate(hex.replace(/^(00)+/, '')));
    const serial = record?.serial ?? hex;
    if (record === undefined || record.kind !== 'authentication' || record.sha256 !== sha256)
      throw fail(
        'AUTH_CERTIFICATE_UNTRUSTED',
        'the certificate is not one this CA issued for authentication',
      );
    const at = now.getTime();
    if (at < certificate.validFrom || at > certificate.validTo)
      throw fail('AUTH_CERTIFICATE_EXPIRED', 'the certificate is not valid now');
    if (record.status === 'hold') throw fail('AUTH_CARD_SUSPENDED', 'the card is suspended (reported lost)');
    if (record.status !== 'good') throw fail('AUTH_CERTIFICATE_REVOKED', 'the certificate has been revoked');
    // The message names the audience and challenge sent; the challenge is used below only
    // if its row has exactly that id and audience, so this is the message it was issued for.
    const ok = verify(
      'sha256',
      challengeMessage(input.audience, input.challengeId),
      certificate.publicKey,
      input.signature,
    );
    if (!ok)
      throw fail('AUTH_SIGNATURE_INVALID', 'the signature does not match the challenge and certificate');
    return { cardId: record.cardId, serial };
  }

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

    /**
     * Checks an answer: certificate (chain, the CA's record, validity, status now), then
     * the signature, then uses the challenge up in one conditional update (single use,
     * also under concurrency). A problem with the challenge is reported before one with
     * the certificate or signature, as if the challenge had been read first; the row is
     * read only then, so a good sign-in costs two statements: the record and the update.
     */
    async verify(input: {
      challengeId: string;
      audience: string;
      certificate: Uint8Array;
      signature: Uint8Array;
    }): Promise<CardAuthentication> {
      const now = deps.clock.now();
      const who = await check(input, now);
      await use(input, now, deps.db);
      return who;
    },

    /**
     * `verify` in two steps, for a caller that uses the challenge up in its own
     * transaction (one commit for the sign-in and what it leads to): `check` is verify
     * without using the challenge up — it proves nothing until `use` succeeds; `use` is the
     * same conditional update, in `trx`, and fails as verify would if the challenge is
     * unknown, for another audience, used already or expired. Pass both the same `at`.
     */
    check(
      input: { challengeId: string; audience: string; certificate: Uint8Array; signature: Uint8Array },
      at: Date,
    ): Promise<CardAuthentication> {
      return check(input, at);
    },
    use(input: { challengeId: string; audience: string }, at: Date, trx: AnyDb): Promise<void> {
      return use(input, at, trx);
    },
  };

  async function check(
    input: { challengeId: string; audience: string; certificate: Uint8Array; signature: Uint8Array },
    now: Date,
  ): Promise<CardAuthentication> {
    const der = Buffer.from(
      input.certificate.buffer,
      input.certificate.byteOffset,
      input.certificate.byteLength,
    );
    const sha256 = createHash('sha256').update(der).digest('hex');
    try {
      return await checkAnswer({ ...input, certificate: der }, sha256, now);
    } catch (error) {
      // A malformed certificate is reported first, as before any look-up; other
      // failures (not ours to explain) go out as they are.
      if (!refusal(error)) throw error;
      throw (await challengeProblem(input.challengeId, input.audience, now)) ?? error;
    }
  }

  async function use(input: { challengeId: string; audience: string }, now: Date, db: AnyDb): Promise<void> {
    const used = await t(db)
      .updateTable('auth_card_challenge')
      .set({ used_at: now.toISOString() })
      .where('id', '=', input.challengeId)
      .where('audience', '=', input.audience)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now.toISOString())
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1)
      throw (
        (await challengeProblem(input.challengeId, input.audience, now, db)) ??
        fail('AUTH_CHALLENGE_REPLAYED', 'the challenge has been used already')
      );
  }
}

export type CardAuthenticator = ReturnType<typeof createCardAuthenticator>;
