import { createHash, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import type { Clock } from '../core/index.ts';
import type { AnyDb } from '../store/index.ts';
import { oidcError } from './errors.ts';
import { seal, unseal } from './seal.ts';
import { oidcTables } from './tables.ts';

const SLOT = 'primary';

/** A JWK thumbprint (RFC 7638) of an RSA public key: the key's stable `kid`. */
function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The ID-token signing key (RSA-2048, RS256): made once, at the first start, and kept
 * sealed in the database, so every process that shares the database signs with the
 * same key. When two processes start at once, the first insert wins and both read it.
 */
export async function loadOrCreateSigningKey(deps: {
  db: AnyDb;
  clock: Clock;
  sealKey: Buffer;
}): Promise<{ keys: JsonWebKey[]; created: boolean }> {
  const t = () => oidcTables(deps.db);
  const read = () =>
    t().selectFrom('oidc_signing_key').selectAll().where('slot', '=', SLOT).executeTakeFirst();
  let row = await read();
  let created = false;
  if (row === undefined) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    const kid = thumbprint(jwk);
    const r = await t()
      .insertInto('oidc_signing_key')
      .values({
        slot: SLOT,
        kid,
        alg: 'RS256',
        private_jwk_sealed: seal(deps.sealKey, JSON.stringify(jwk), `oidc-signing-key:${kid}`),
        created_at: deps.clock.now().toISOString(),
      })
      .onConflict((oc) => oc.column('slot').doNothing())
      .executeTakeFirst();
    created = Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    row = await read();
  }
  const opened =
    row === undefined
      ? undefined
      : unseal(deps.sealKey, row.private_jwk_sealed, `oidc-signing-key:${row.kid}`);
  if (row === undefined || opened === undefined) throw oidcError('OIDC_SIGNING_KEY_UNREADABLE', 'internal');
  const jwk = JSON.parse(opened) as JsonWebKey;
  return { keys: [{ ...jwk, kid: row.kid, alg: row.alg, use: 'sig' }], created };
}
