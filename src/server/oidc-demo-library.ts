import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as client from 'openid-client';
import { type Actor, AppError, isAppError } from '../core/index.ts';
import { errorPage, escapeHtml, page, pageHeaders } from './oidc-views.ts';
import type { System } from './system.ts';

/** The demo relying party: a municipal library that only needs to know its member is 18 or over. */
export const DEMO_LIBRARY_CLIENT_ID = 'demo-library';
const DEMO_ACTOR: Actor = { id: 'system:demo', role: 'system', purpose: 'demo-seed' };
const COOKIE = 'demo_library_flow';
const PATH = '/demo/library';

const isLoopback = (url: URL): boolean => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

/**
 * Registers the demo library (市立図書館) as a relying party that asks only for
 * `over_18` (and gets its pairwise member id), with its callback on this server.
 * Idempotent: a later start keeps the client and follows a changed public URL. Returns
 * undefined when the public URL can carry no redirect URI (plain http to another host).
 */
export async function registerDemoLibrary(
  system: System,
): Promise<{ clientId: string; url: string } | undefined> {
  const base = new URL(system.config.publicUrl);
  if (base.protocol !== 'https:' && !isLoopback(base)) return undefined;
  const redirectUri = `${system.config.publicUrl}${PATH}/callback`;
  const { clients } = system.oidc;
  const existing = (await clients.list()).find((c) => c.clientId === DEMO_LIBRARY_CLIENT_ID);
  if (existing === undefined)
    await clients.register(
      {
        name: 'Municipal library (demo)',
        nameJa: '市立図書館（デモ）',
        redirectUris: [redirectUri],
        allowedClaims: ['over_18'],
      },
      DEMO_ACTOR,
      { clientId: DEMO_LIBRARY_CLIENT_ID },
    );
  else if (existing.redirectUris.length !== 1 || existing.redirectUris[0] !== redirectUri)
    await clients.setRedirectUris(DEMO_LIBRARY_CLIENT_ID, [redirectUri]);
  return { clientId: DEMO_LIBRARY_CLIENT_ID, url: `${system.config.publicUrl}${PATH}` };
}

interface Flow {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

const demoFailed = (message: string) => new AppError('OIDC_DEMO_CALLBACK_FAILED', 'invalid', message);

/**
 * The library's own two pages, served here so a newcomer can try card sign-in in a
 * browser: the start page (authorization URL by openid-client, PKCE verifier, state and
 * nonce in an HttpOnly cookie) and the callback (code exchanged, ID token validated,
 * userinfo read).
 */
export async function demoLibraryRoutes(app: FastifyInstance, opts: { system: System }): Promise<void> {
  const { system } = opts;
  const issuer = system.config.publicUrl;
  const redirectUri = `${issuer}${PATH}/callback`;
  const secure = issuer.startsWith('https:');
  let configuration: Promise<client.Configuration> | undefined;

  const rp = async (): Promise<client.Configuration> => {
    const demo = (await system.oidc.clients.list()).find((c) => c.clientId === DEMO_LIBRARY_CLIENT_ID);
    if (demo === undefined || demo.status !== 'active')
      throw new AppError(
        'OIDC_DEMO_NOT_SET_UP',
        'not-found',
        'the demo library is not registered here (run `myna demo`)',
      );
    configuration ??= system.oidc.clients.secretOf(DEMO_LIBRARY_CLIENT_ID).then((secret) =>
      client.discovery(new URL(issuer), DEMO_LIBRARY_CLIENT_ID, secret, undefined, {
        ...(secure ? {} : { execute: [client.allowInsecureRequests] }),
      }),
    );
    configuration.catch(() => {
      configuration = undefined;
    });
    return configuration;
  };

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').headers(pageHeaders()).send(body);
  const fail = (reply: FastifyReply, error: unknown) => {
    if (!isAppError(error)) throw error;
    const status = error.kind === 'not-found' ? 404 : 400;
    return html(reply, status, errorPage(error.code, error.message));
  };
  const config = { access: { public: true } } as const;

  app.get(PATH, { config, schema: { hide: true } }, async (_request, reply) => {
    try {
      const rpConfig = await rp();
      const flow: Flow = {
        verifier: client.randomPKCECodeVerifier(),
        state: client.randomState(),
        nonce: client.randomNonce(),
      };
      const url = client.buildAuthorizationUrl(rpConfig, {
        redirect_uri: redirectUri,
        scope: 'openid over_18',
        code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
      });
      reply.setCookie(COOKIE, Buffer.from(JSON.stringify(flow)).toString('base64url'), {
        httpOnly: true,
        secure,
        sameSite: 'lax',
        path: PATH,
        maxAge: 600,
      });
      return html(
        reply,
        200,
        page(
          '市立図書館（デモ）',
          'Municipal library (demo)',
          `<p>図書館カードの作成には、18歳以上であることの確認だけが必要です。生年月日も氏名も受け取りません。<br><span class="en">To make a library card we only need to know that you are 18 or over — not your birth date, not your name.</span></p>
<p><a class="button" href="${escapeHtml(url.href)}">図書館カードを作る / Sign in with My Number card</a></p>
<p class="en">デモカード: <code>data/demo-card.card</code> と <code>data/demo-card.card.key</code>、暗証番号 1234。 / Demo card: <code>data/demo-card.card</code> and <code>data/demo-card.card.key</code>, PIN 1234.</p>`,
        ),
      );
    } catch (error) {
      return fail(reply, error);
    }
  });

  app.get(`${PATH}/callback`, { config, schema: { hide: true } }, async (request: FastifyRequest, reply) => {
    try {
      const rpConfig = await rp();
      const raw = request.cookies[COOKIE];
      reply.clearCookie(COOKIE, { path: PATH });
      let flow: Flow;
      try {
        flow = JSON.parse(Buffer.from(raw ?? '', 'base64url').toString('utf8')) as Flow;
        if (typeof flow.verifier !== 'string' || typeof flow.state !== 'string') throw new Error('shape');
      } catch {
        throw demoFailed('this browser did not start a sign-in at the library (no flow cookie); start again');
      }
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      let info: client.UserInfoResponse;
      try {
        tokens = await client.authorizationCodeGrant(rpConfig, new URL(`${redirectUri}${query}`), {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
        info = await client.fetchUserInfo(rpConfig, tokens.access_token, tokens.claims()!.sub);
      } catch (error) {
        const e = error as { error?: unknown; code?: unknown; name?: unknown };
        const why = typeof e.error === 'string' ? e.error : typeof e.code === 'string' ? e.code : 'failed';
        throw demoFailed(`the sign-in did not complete (${why.slice(0, 60)})`);
      }
      const over18 = info['over_18'];
      const answer =
        over18 === true
          ? 'はい / yes'
          : over18 === false
            ? 'いいえ / no'
            : '提供されませんでした / not shared';
      const made = over18 === true;
      return html(
        reply,
        200,
        page(
          made ? '図書館カードを作りました' : '図書館カードを作れませんでした',
          made ? 'Your library card is ready' : 'No library card this time',
          `<p>18歳以上 / over 18: <strong>${answer}</strong></p>
<p>利用者番号 / Library member id: <code>${escapeHtml(info.sub)}</code></p>
<p>この番号はこの図書館専用で、ほかのサービスには別の番号が渡されます。<br><span class="en">This id is for this library only; every other service gets a different one.</span></p>
<p><a href="${PATH}">戻る / Back</a></p>`,
        ),
      );
    } catch (error) {
      return fail(reply, error);
    }
  });
}
