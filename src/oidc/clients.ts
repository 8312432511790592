import { randomBytes } from 'node:crypto';
import type { Actor, Clock, ErrorDetail } from '../core/index.ts';
import type { AnyDb } from '../store/index.ts';
import { CLAIM_ITEMS, type ClaimItem, isClaimItem } from './claims.ts';
import { oidcError } from './errors.ts';
import { seal, unseal } from './seal.ts';
import { type OidcTables, oidcTables } from './tables.ts';

export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

export interface ClientInput {
  readonly name: string;
  readonly nameJa?: string | undefined;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[] | undefined;
  /** The items this service may ever ask for; a request for another is refused. */
  readonly allowedClaims: readonly string[];
  readonly tokenEndpointAuthMethod?: TokenEndpointAuthMethod | undefined;
}

/** A relying party as operators see it: never its secret. */
export interface ClientView {
  readonly clientId: string;
  readonly name: string;
  readonly nameJa: string | null;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly allowedClaims: readonly ClaimItem[];
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly status: 'active' | 'disabled';
  readonly createdAt: string;
  readonly disabledAt: string | null;
}

type Row = OidcTables['oidc_client'];

const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A redirect URI we will send codes to: absolute https (http only to this machine),
 * no fragment, no credentials. Every URI of one service shares one host, because the
 * service's pairwise identifiers are one sector.
 */
function checkUris(uris: readonly string[], at: string, required: boolean): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  if (required && uris.length === 0) errors.push({ at, code: 'URI_REQUIRED', message: 'at least one URI' });
  if (uris.length > 10) errors.push({ at, code: 'URI_TOO_MANY', message: 'at most 10 URIs' });
  uris.forEach((raw, i) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      errors.push({ at: `${at}/${i}`, code: 'URI_MALFORMED', message: 'not an absolute URL' });
      return;
    }
    const loopback = LOOPBACK.has(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
      errors.push({
        at: `${at}/${i}`,
        code: 'URI_NOT_HTTPS',
        message: 'must be https (http only for localhost or 127.0.0.1)',
      });
    if (url.hash !== '' || raw.includes('#'))
      errors.push({ at: `${at}/${i}`, code: 'URI_FRAGMENT', message: 'must not have a fragment' });
    if (url.username !== '' || url.password !== '')
      errors.push({ at: `${at}/${i}`, code: 'URI_CREDENTIALS', message: 'must not hold credentials' });
    if (raw.length > 2000)
      errors.push({ at: `${at}/${i}`, code: 'URI_TOO_LONG', message: 'at most 2000 characters' });
  });
  return errors;
}

function toView(row: Row): ClientView {
  return {
    clientId: row.id,
    name: row.name,
    nameJa: row.name_ja,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris) as string[],
    allowedClaims: (JSON.parse(row.allowed_items) as string[]).filter(isClaimItem),
    tokenEndpointAuthMethod: row.token_endpoint_auth_method as TokenEndpointAuthMethod,
    status: row.status === 'active' ? 'active' : 'disabled',
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}

/** Relying parties, registered by operators: a client id, a secret shown once, what they may ask for. */
export function createClients(deps: { db: AnyDb; clock: Clock; secretKey: Buffer }) {
  const t = () => oidcTables(deps.db);

  function validate(input: ClientInput): ErrorDetail[] {
    const errors: ErrorDetail[] = [];
    const name = input.name.trim();
    if (name === '' || name.length > 100)
      errors.push({ at: 'name', code: 'NAME_LENGTH', message: '1-100 characters' });
    if (input.nameJa !== undefined && (input.nameJa.trim() === '' || input.nameJa.length > 100))
      errors.push({ at: 'nameJa', code: 'NAME_LENGTH', message: '1-100 characters' });
    errors.push(...checkUris(input.redirectUris, 'redirectUris', true));
    errors.push(...checkUris(input.postLogoutRedirectUris ?? [], 'postLogoutRedirectUris', false));
    const hosts = new Set(
      input.redirectUris.flatMap((u) => {
        try {
          return [new URL(u).host];
        } catch {
          return [];
        }
      }),
    );
    if (hosts.size > 1)
      errors.push({
        at: 'redirectUris',
        code: 'URI_HOSTS_DIFFER',
        message: 'all redirect URIs of one service must share one host (one pairwise sector)',
      });
    input.allowedClaims.forEach((item, i) => {
      if (!isClaimItem(item))
        errors.push({
          at: `allowedClaims/${i}`,
          code: 'CLAIM_UNKNOWN',
          message: `one of ${CLAIM_ITEMS.join(', ')}`,
        });
    });
    return errors;
  }

  async function row(clientId: string): Promise<Row | undefined> {
    if (!CLIENT_ID.test(clientId)) return undefined;
    return t().selectFrom('oidc_client').selectAll().where('id', '=', clientId).executeTakeFirst();
  }

  return {
    /**
     * Registers a relying party. The secret is in the answer once; the store keeps it
     * sealed (the provider needs it back to check `client_secret_basic`).
     */
    async register(
      input: ClientInput,
      actor: Actor,
      options: { clientId?: string } = {},
    ): Promise<{ clientId: string; clientSecret: string; client: ClientView }> {
      const errors = validate(input);
      if (options.clientId !== undefined && !CLIENT_ID.test(options.clientId))
        errors.push({ at: 'clientId', code: 'CLIENT_ID_FORMAT', message: '1-64 of A-Z a-z 0-9 _ -' });
      if (errors.length > 0) throw oidcError('OIDC_CLIENT_INVALID', 'invalid', undefined, errors);
      const clientId = options.clientId ?? `rp_${randomBytes(16).toString('hex')}`;
      const clientSecret = randomBytes(32).toString('base64url');
      const values: Row = {
        id: clientId,
        name: input.name.trim(),
        name_ja: input.nameJa?.trim() ?? null,
        redirect_uris: JSON.stringify([...new Set(input.redirectUris)]),
        post_logout_redirect_uris: JSON.stringify([...new Set(input.postLogoutRedirectUris ?? [])]),
        allowed_items: JSON.stringify(CLAIM_ITEMS.filter((i) => input.allowedClaims.includes(i))),
        token_endpoint_auth_method: input.tokenEndpointAuthMethod ?? 'client_secret_basic',
        secret_sealed: seal(deps.secretKey, clientSecret, clientId),
        status: 'active',
        created_at: deps.clock.now().toISOString(),
        created_by: actor.id,
        disabled_at: null,
      };
      const inserted = await t()
        .insertInto('oidc_client')
        .values(values)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1)
        throw oidcError('OIDC_CLIENT_INVALID', 'conflict', 'a relying party with this client id exists', [
          { at: 'clientId', code: 'CLIENT_ID_TAKEN', message: 'choose another client id' },
        ]);
      return { clientId, clientSecret, client: toView(values) };
    },

    async list(): Promise<ClientView[]> {
      const rows = await t()
        .selectFrom('oidc_client')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toView);
    },

    async get(clientId: string): Promise<ClientView> {
      const r = await row(clientId);
      if (r === undefined) throw oidcError('OIDC_CLIENT_NOT_FOUND', 'not-found');
      return toView(r);
    },

    /** Stops a relying party at once: it can no longer start a sign-in, redeem a code or read userinfo. */
    async disable(clientId: string, _actor: Actor): Promise<ClientView> {
      const r = await row(clientId);
      if (r === undefined) throw oidcError('OIDC_CLIENT_NOT_FOUND', 'not-found');
      if (r.status === 'disabled') return toView(r);
      const disabledAt = deps.clock.now().toISOString();
      await t()
        .updateTable('oidc_client')
        .set({ status: 'disabled', disabled_at: disabledAt })
        .where('id', '=', clientId)
        .execute();
      return toView({ ...r, status: 'disabled', disabled_at: disabledAt });
    },

    /** Replaces the redirect URIs (the demo library follows the server's public URL). */
    async setRedirectUris(clientId: string, redirectUris: readonly string[]): Promise<ClientView> {
      const r = await row(clientId);
      if (r === undefined) throw oidcError('OIDC_CLIENT_NOT_FOUND', 'not-found');
      const errors = validate({ ...toView(r), redirectUris, nameJa: r.name_ja ?? undefined });
      if (errors.length > 0) throw oidcError('OIDC_CLIENT_INVALID', 'invalid', undefined, errors);
      await t()
        .updateTable('oidc_client')
        .set({ redirect_uris: JSON.stringify([...new Set(redirectUris)]) })
        .where('id', '=', clientId)
        .execute();
      return toView({ ...r, redirect_uris: JSON.stringify([...new Set(redirectUris)]) });
    },

    /** The client secret, for a relying party this server itself runs (the demo library). */
    async secretOf(clientId: string): Promise<string> {
      const r = await row(clientId);
      const secret = r === undefined ? undefined : unseal(deps.secretKey, r.secret_sealed, r.id);
      if (secret === undefined) throw oidcError('OIDC_CLIENT_NOT_FOUND', 'not-found');
      return secret;
    },

    /** The metadata the provider works with, or undefined for an unknown or disabled client. */
    async metadata(clientId: string): Promise<Record<string, unknown> | undefined> {
      const r = await row(clientId);
      if (r === undefined || r.status !== 'active') return undefined;
      const secret = unseal(deps.secretKey, r.secret_sealed, r.id);
      if (secret === undefined) return undefined;
      const view = toView(r);
      const postLogout = view.postLogoutRedirectUris;
      return {
        client_id: r.id,
        client_secret: secret,
        client_name: r.name,
        redirect_uris: [...view.redirectUris],
        ...(postLogout.length === 0 ? {} : { post_logout_redirect_uris: [...postLogout] }),
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: view.tokenEndpointAuthMethod,
        id_token_signed_response_alg: 'RS256',
        subject_type: 'pairwise',
        scope: ['openid', ...view.allowedClaims].join(' '),
      };
    },
  };
}

export type Clients = ReturnType<typeof createClients>;
