import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { CardAuthenticator } from '../auth/index.ts';
import type { Clock } from '../core/index.ts';
import type { KeyRing } from '../keys/index.ts';
import type { Registry } from '../registry/index.ts';
import type { AnyDb } from '../store/index.ts';
import { createAdapterFactory } from './adapter.ts';
import { type Clients, createClients } from './clients.ts';
import { createInteractions, type Interactions } from './interactions.ts';
import { buildProvider, INTERACTION_PATH, OIDC_ROUTES, type OidcViews } from './provider.ts';
import { loadOrCreateSigningKey } from './signing-keys.ts';

export {
  CLAIM_ITEMS,
  CLAIMS_OF,
  type ClaimItem,
  claimsFor,
  ITEM_LABELS,
  isClaimItem,
} from './claims.ts';
export {
  type ClientInput,
  type Clients,
  type ClientView,
  TOKEN_ENDPOINT_AUTH_METHODS,
  type TokenEndpointAuthMethod,
} from './clients.ts';
export { OIDC_ERRORS, type OidcErrorCode } from './errors.ts';
export {
  type CardAnswer,
  type InteractionStep,
  type Interactions,
  type InteractionView,
  interactionAudience,
} from './interactions.ts';
export { pairwiseSubject } from './pairwise.ts';
export { INTERACTION_PATH, OIDC_ROUTES, OIDC_TTL, type OidcViews } from './provider.ts';
export { type OidcTables, oidcMigrations } from './tables.ts';

export interface OidcDeps {
  readonly db: AnyDb;
  readonly clock: Clock;
  readonly keys: KeyRing;
  /** The public URL: the issuer, and the origin of every endpoint. */
  readonly issuer: string;
  readonly registry: Pick<Registry, 'get'>;
  readonly cardAuth: Pick<CardAuthenticator, 'challenge' | 'verify'>;
  readonly cards: { get(cardId: string): Promise<{ residentId: string }> };
  readonly views?: OidcViews | undefined;
}

export interface Oidc {
  readonly issuer: string;
  readonly provider: Provider;
  readonly clients: Clients;
  readonly interactions: Interactions;
  /** Whether this start made the signing key (the first start against this database). */
  readonly signingKeyCreated: boolean;
  /** Whether a request path belongs to the library's endpoints (the server hands those over whole). */
  handles(path: string): boolean;
  /** The library's request handler, for requests `handles` claims. */
  readonly callback: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * "Sign in with My Number card": an OpenID Connect provider (the certified
 * `oidc-provider` library) whose login is the card's challenge-response and whose
 * claims come from the register, with the person's consent per item.
 */
export async function createOidc(deps: OidcDeps): Promise<Oidc> {
  const clients = createClients({
    db: deps.db,
    clock: deps.clock,
    secretKey: deps.keys.derive('oidc-client-secret'),
  });
  const signing = await loadOrCreateSigningKey({
    db: deps.db,
    clock: deps.clock,
    sealKey: deps.keys.derive('oidc-signing'),
  });
  const provider = buildProvider({
    issuer: deps.issuer,
    clock: deps.clock,
    adapter: createAdapterFactory({ db: deps.db, clock: deps.clock, clients }),
    signingKeys: signing.keys,
    cookieKey: deps.keys.derive('oidc-cookies'),
    pairwiseKey: deps.keys.derive('oidc-pairwise'),
    registry: deps.registry,
    views: deps.views,
  });
  const interactions = createInteractions({
    provider,
    clients,
    cardAuth: deps.cardAuth,
    cards: deps.cards,
  });
  const mount = new URL(deps.issuer).pathname.replace(/\/+$/, '');
  const exact = new Set([
    `${mount}/.well-known/openid-configuration`,
    ...Object.values(OIDC_ROUTES).map((r) => `${mount}${r}`),
  ]);
  const prefixes = [`${mount}${OIDC_ROUTES.authorization}/`, `${mount}${OIDC_ROUTES.end_session}/`];
  const interactionPrefix = `${mount}${INTERACTION_PATH}/`;
  return {
    issuer: deps.issuer,
    provider,
    clients,
    interactions,
    signingKeyCreated: signing.created,
    handles(path) {
      if (exact.has(path)) return true;
      if (path.startsWith(interactionPrefix)) return false;
      return prefixes.some((p) => path.startsWith(p) && !path.slice(p.length).includes('/'));
    },
    callback: provider.callback(),
  };
}
