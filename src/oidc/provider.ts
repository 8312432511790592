import Provider, {
  type Adapter,
  type Configuration,
  type ErrorOut,
  interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { type Actor, type Clock, jstDate } from '../core/index.ts';
import type { Registry } from '../registry/index.ts';
import { CLAIMS_OF, type ClaimItem, claimsFor, itemsOfScope } from './claims.ts';
import { pairwiseSubject } from './pairwise.ts';

/** Lifetimes, in seconds. Every sign-in is one card touch, so the browser session is short. */
/** What the register's access record lists for each claim item. */
const RECORDED_ITEMS = {
  name: ['name'],
  address: ['address'],
  birthdate: ['birth-date'],
  gender: ['sex'],
  over_18: ['birth-date'],
  over_20: ['birth-date'],
} as const satisfies Record<ClaimItem, readonly string[]>;

export const OIDC_TTL = {
  AccessToken: 600,
  AuthorizationCode: 60,
  IdToken: 600,
  Interaction: 600,
  Session: 3600,
  Grant: 3600,
} as const;

/** Where the library's endpoints live (discovery stays at the root, where clients look for it). */
export const OIDC_ROUTES = {
  authorization: '/oidc/auth',
  backchannel_authentication: '/oidc/backchannel',
  code_verification: '/oidc/device',
  device_authorization: '/oidc/device/auth',
  end_session: '/oidc/session/end',
  introspection: '/oidc/token/introspection',
  jwks: '/oidc/jwks',
  pushed_authorization_request: '/oidc/request',
  registration: '/oidc/reg',
  revocation: '/oidc/token/revocation',
  token: '/oidc/token',
  userinfo: '/oidc/me',
} as const;

export const INTERACTION_PATH = '/oidc/interaction';

/** The pages the provider itself shows (the server renders them; the domain knows no HTML). */
export interface OidcViews {
  /** An error that cannot go back to the service (unknown client, unregistered redirect URI). */
  error(out: ErrorOut): string;
  /** "Sign out?" with the library's form (its markup is to be embedded as is). */
  logout(form: string, clientName: string | undefined): string;
  loggedOut(clientName: string | undefined): string;
}

export interface ProviderDeps {
  readonly issuer: string;
  readonly clock: Clock;
  readonly adapter: (model: string) => Adapter;
  readonly signingKeys: readonly object[];
  readonly cookieKey: Buffer;
  readonly pairwiseKey: Buffer;
  readonly registry: Pick<Registry, 'get'>;
  readonly views?: OidcViews | undefined;
}

const { Check, base } = interactionPolicy;

/**
 * The interaction policy: the card for every authorization (no silent sign-in from an
 * earlier session, so a shared computer never signs the next person in as the last),
 * and the consent screen every time, so the person always sees what the service gets.
 */
function policy(): interactionPolicy.DefaultPolicy {
  const p = base();
  p.get('login')!.checks.add(
    new Check('card_each_time', 'sign in with the My Number card for every authorization', (ctx) =>
      ctx.oidc.result?.login === undefined ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  p.get('consent')!.checks.add(
    new Check('consent_each_time', 'the person chooses the items for every authorization', (ctx) =>
      ctx.oidc.result?.consent === undefined ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  return p;
}

const wantsHtml = (ctx: KoaContextWithOIDC): boolean => ctx.accepts('json', 'html') === 'html';

/** The provider: the certified library, configured for card sign-in, pairwise subjects and per-item consent. */
export function buildProvider(deps: ProviderDeps): Provider {
  // `amr` (card and PIN) comes with every ID token; everything personal needs its own item.
  const claims: Record<string, string[] | null> = { openid: ['sub', 'amr'] };
  for (const [item, names] of Object.entries(CLAIMS_OF)) claims[item] = [...names];

  const configuration: Configuration = {
    adapter: deps.adapter,
    clients: [],
    claims,
    scopes: ['openid'],
    subjectTypes: ['pairwise'],
    pairwiseIdentifier: (_ctx, accountId, client) =>
      pairwiseSubject(deps.pairwiseKey, client.clientId, accountId),
    // A sign-in's tokens live by their own short lifetimes: the next card sign-in in the
    // same browser starts a new session and must not cut off another service.
    expiresWithSession: () => false,
    async findAccount(ctx, accountId) {
      return {
        accountId,
        async claims(use, scope) {
          // Codes give the claims at userinfo (conformIdTokenClaims): the ID token carries
          // only the pairwise subject, and reading the register is left to userinfo.
          const items = use === 'userinfo' ? itemsOfScope(scope) : [];
          if (items.length === 0) return { sub: accountId };
          const actor: Actor = {
            id: `oidc-client:${ctx.oidc.client?.clientId ?? 'unknown'}`,
            role: 'relying-party',
            purpose: 'oidc-claims',
          };
          // The access record names exactly what is passed on (an age claim needs the birth date).
          const recorded = [...new Set(items.flatMap((i) => RECORDED_ITEMS[i]))];
          const resident = await deps.registry.get(accountId, actor, { items: recorded });
          return { sub: accountId, ...claimsFor(resident, items, jstDate(deps.clock.now())) };
        },
      };
    },
    jwks: { keys: deps.signingKeys as never[] },
    cookies: {
      names: {
        session: 'myna_oidc_session',
        interaction: 'myna_oidc_interaction',
        resume: 'myna_oidc_resume',
      },
      keys: [deps.cookieKey.toString('base64url')],
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    pkce: { methods: ['S256'], required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    responseTypes: ['code'],
    allowOmittingSingleRegisteredRedirectUri: false,
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          const name = ctx.oidc.client?.clientName;
          ctx.type = 'html';
          ctx.body = deps.views?.logout(form, name) ?? form;
        },
        async postLogoutSuccessSource(ctx) {
          const name = ctx.oidc.client?.clientName;
          ctx.type = 'html';
          ctx.body = deps.views?.loggedOut(name) ?? 'signed out';
        },
      },
    },
    routes: OIDC_ROUTES,
    discovery: { ui_locales_supported: ['ja', 'en'], claim_types_supported: ['normal'] },
    interactions: {
      url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}`,
      policy: policy(),
    },
    // Consent is never taken over from an earlier sign-in (see the policy).
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId === undefined ? undefined : ctx.oidc.provider.Grant.find(grantId);
    },
    ttl: { ...OIDC_TTL },
    async renderError(ctx, out) {
      if (deps.views !== undefined && wantsHtml(ctx)) {
        ctx.type = 'html';
        ctx.body = deps.views.error(out);
      } else {
        ctx.type = 'json';
        ctx.body = out;
      }
    },
  };

  const provider = new Provider(deps.issuer, configuration);
  // Behind a TLS-terminating proxy (an https public URL), trust its X-Forwarded-Proto.
  provider.proxy = deps.issuer.startsWith('https:');
  // Errors reach the server through the provider's events, never Koa's console output.
  provider.app.silent = true;
  return provider;
}
