import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as client from 'openid-client';
import { answerChallenge } from '../../src/card/index.ts';
import type { VirtualChip } from '../../src/chip/index.ts';
import type { DialectName } from '../../src/store/index.ts';
import { createTestApp, type TestApp } from './app.ts';
import { PINS } from './cards.ts';

/** A port nobody listens on now (the issuer must be known before the app starts). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export interface OidcTestApp extends TestApp {
  /** The issuer: http://127.0.0.1:<port>, where the app listens. */
  readonly issuer: string;
  readonly operator: string;
}

/** The whole app listening on 127.0.0.1 with its public URL equal to where it listens. */
export async function createOidcTestApp(dialect: DialectName): Promise<OidcTestApp> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const t = await createTestApp(dialect, { MYNA_PUBLIC_URL: issuer });
    try {
      await t.app.listen({ host: '127.0.0.1', port });
    } catch (error) {
      await t.dispose();
      if (attempt < 3) continue;
      throw error;
    }
    const operator = (await t.system.staff.issue('test operator', 'operator')).token;
    return { ...t, issuer, operator };
  }
}

/** Cookies as a browser keeps them for one origin: by name and path, sent where the path matches. */
export class CookieJar {
  readonly #cookies = new Map<string, { value: string; path: string }>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = value === '';
      for (const a of attributes) {
        const [k = '', v = ''] = a.split('=');
        if (k.toLowerCase() === 'path') path = v;
        if (k.toLowerCase() === 'expires' && new Date(v).getTime() < Date.now()) expired = true;
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      const key = `${name};${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { value, path });
    }
  }

  header(url: string): string {
    const path = new URL(url).pathname;
    return [...this.#cookies.entries()]
      .filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([key, c]) => `${key.split(';')[0]}=${c.value}`)
      .join('; ');
  }

  names(): string[] {
    return [...this.#cookies.keys()].map((k) => k.split(';')[0]!);
  }
}

/** A browser for one person: fetch with its cookie jar, never following redirects by itself. */
export class Browser {
  readonly jar = new CookieJar();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.jar.header(url);
    if (cookie !== '') headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.jar.store(response);
    return response;
  }

  /** Follows 302/303 redirects on the provider's origin; stops at the first URL elsewhere or at a page. */
  async follow(
    url: string,
    origin: string,
    init: RequestInit = {},
  ): Promise<{ url: string; response: Response }> {
    let current = url;
    let response = await this.fetch(current, init);
    for (let hops = 0; hops < 10; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) break;
      current = new URL(location, current).href;
      if (!current.startsWith(origin)) break;
      response = await this.fetch(current, { headers: init.headers ?? {} });
    }
    return { url: current, response };
  }
}

export const JSON_HEADERS = { accept: 'application/json', 'content-type': 'application/json' };

export interface Rp {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly config: client.Configuration;
}

/** Registers a relying party through the operators' API and discovers the provider with openid-client. */
export async function registerRp(
  t: OidcTestApp,
  options: { name?: string; nameJa?: string; allowedClaims: string[]; redirectUri?: string },
): Promise<Rp> {
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1:9/callback';
  const r = await t.app.inject({
    method: 'POST',
    url: '/v1/oidc/clients',
    headers: { authorization: `Bearer ${t.operator}` },
    payload: {
      name: options.name ?? 'Test service',
      ...(options.nameJa === undefined ? {} : { nameJa: options.nameJa }),
      redirectUris: [redirectUri],
      allowedClaims: options.allowedClaims,
    },
  });
  assert.equal(r.statusCode, 201, r.body);
  const { clientId, clientSecret } = r.json() as { clientId: string; clientSecret: string };
  const config = await client.discovery(new URL(t.issuer), clientId, clientSecret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  return { clientId, clientSecret, redirectUri, config };
}

export interface Authorization {
  readonly url: URL;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

export async function authorizationUrl(rp: Rp, scope: string): Promise<Authorization> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url, verifier, state, nonce };
}

/** The card's answer to an interaction's challenge, made by the chip after the PIN. */
export async function cardAnswer(
  browser: Browser,
  interactionUrl: string,
  chip: VirtualChip,
  pin: string = PINS.authentication,
): Promise<{ challengeId: string; certificate: string; signature: string }> {
  const r = await browser.fetch(`${interactionUrl}/challenge`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: '{}',
  });
  assert.equal(r.status, 200, await r.clone().text());
  const c = (await r.json()) as { challengeId: string; message: string; audience: string };
  const a = await answerChallenge(chip, pin, Buffer.from(c.message, 'base64'));
  return {
    challengeId: c.challengeId,
    certificate: Buffer.from(a.certificate).toString('base64'),
    signature: Buffer.from(a.signature).toString('base64'),
  };
}

export interface SignedIn {
  readonly tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  readonly sub: string;
  readonly callbackUrl: URL;
}

/**
 * The whole flow as a browser and a relying party run it: authorization request, the
 * card step, consent to `items`, the redirect back, and the code exchanged (PKCE, state,
 * nonce and the ID token checked by openid-client).
 */
export async function signIn(
  t: OidcTestApp,
  rp: Rp,
  chip: VirtualChip,
  options: { scope: string; items: string[]; browser?: Browser },
): Promise<SignedIn> {
  const browser = options.browser ?? new Browser();
  const auth = await authorizationUrl(rp, options.scope);
  const toLogin = await browser.follow(auth.url.href, t.issuer);
  assert.match(toLogin.url, /\/oidc\/interaction\/[A-Za-z0-9_-]+$/, `at ${toLogin.url}`);
  const interaction = toLogin.url;
  const loginView = (await (await browser.fetch(interaction, { headers: JSON_HEADERS })).json()) as {
    step: string;
  };
  assert.equal(loginView.step, 'login');
  const login = await browser.fetch(`${interaction}/login`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify(await cardAnswer(browser, interaction, chip)),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const toConsent = await browser.follow(
    ((await login.json()) as { redirectTo: string }).redirectTo,
    t.issuer,
  );
  assert.match(toConsent.url, /\/oidc\/interaction\/[A-Za-z0-9_-]+$/, `at ${toConsent.url}`);
  const consentView = (await (await browser.fetch(toConsent.url, { headers: JSON_HEADERS })).json()) as {
    step: string;
  };
  assert.equal(consentView.step, 'consent');
  const confirm = await browser.fetch(`${toConsent.url}/confirm`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ items: options.items }),
  });
  assert.equal(confirm.status, 200, await confirm.clone().text());
  const back = await browser.follow(((await confirm.json()) as { redirectTo: string }).redirectTo, t.issuer);
  assert.ok(back.url.startsWith(rp.redirectUri), `back at ${back.url}`);
  const callbackUrl = new URL(back.url);
  const tokens = await client.authorizationCodeGrant(rp.config, callbackUrl, {
    pkceCodeVerifier: auth.verifier,
    expectedState: auth.state,
    expectedNonce: auth.nonce,
    idTokenExpected: true,
  });
  const sub = tokens.claims()?.sub;
  assert.ok(typeof sub === 'string');
  return { tokens, sub, callbackUrl };
}
