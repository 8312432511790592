import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../../core/index.ts';
import { CLAIM_ITEMS, type InteractionView, ITEM_LABELS } from '../../oidc/index.ts';
import { chipBundle } from '../chip-bundle.ts';
import { demoLibraryRoutes } from '../oidc-demo-library.ts';
import { errorPage, escapeHtml, PAGE_STYLE, pageHeaders } from '../oidc-views.ts';
import { problemSchema, SERVER_ERRORS, STATUS_OF, sendProblem } from '../problem.ts';
import { rateLimit } from '../rate-limit.ts';
import { challengeSchema } from '../schemas.ts';
import type { System } from '../system.ts';

const LOGIN_PAGE = readFileSync(new URL('../pages/oidc-login.html', import.meta.url), 'utf8');
const CONSENT_PAGE = readFileSync(new URL('../pages/oidc-consent.html', import.meta.url), 'utf8');

const open = { access: { public: true } } as const;
const operator = { access: { roles: ['operator'] } } as const;
const tags = ['oidc'];
const UID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const uidParams = { type: 'object', required: ['uid'], properties: { uid: UID } } as const;
const b64 = (max: number) => ({ type: 'string', maxLength: max, pattern: '^[A-Za-z0-9+/_=-]+$' }) as const;
const redirectSchema = { type: 'object', properties: { redirectTo: { type: 'string' } } } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  404: problemSchema,
  409: problemSchema,
  429: problemSchema,
};

const clientSchema = {
  type: 'object',
  properties: {
    clientId: { type: 'string' },
    name: { type: 'string' },
    nameJa: { type: ['string', 'null'] },
    redirectUris: { type: 'array', items: { type: 'string' } },
    postLogoutRedirectUris: { type: 'array', items: { type: 'string' } },
    allowedClaims: { type: 'array', items: { type: 'string' } },
    tokenEndpointAuthMethod: { type: 'string' },
    status: { type: 'string', enum: ['active', 'disabled'] },
    createdAt: { type: 'string' },
    disabledAt: { type: ['string', 'null'] },
  },
} as const;

const uris = (description: string) =>
  ({
    type: 'array',
    maxItems: 10,
    items: { type: 'string', maxLength: 2000 },
    description,
  }) as const;

/** JSON when the caller asks for it (scripts, tests, the page's own fetches); pages otherwise. */
function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  const type = request.headers['content-type'] ?? '';
  return (
    accept.includes('application/json') ||
    (type.includes('application/json') && !accept.includes('text/html'))
  );
}

/** A form body: repeated fields become arrays (`items=a&items=b`). */
function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const before = out[key];
    out[key] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  return out;
}

function renderLogin(view: InteractionView): string {
  const en = view.client.name;
  const ja = view.client.nameJa ?? view.client.name;
  return LOGIN_PAGE.replace('/*STYLE*/', PAGE_STYLE)
    .replaceAll('{{UID}}', escapeHtml(view.uid))
    .replaceAll('{{SERVICE_EN}}', escapeHtml(en))
    .replaceAll('{{SERVICE}}', escapeHtml(ja));
}

function renderConsent(view: InteractionView): string {
  const items =
    view.items.length === 0
      ? '    <p>このサービスが求める項目はほかにありません。<br><span class="en">The service asks for nothing else.</span></p>'
      : view.items
          .map(
            (item) =>
              `    <label><input type="checkbox" name="items" value="${item}"> ${escapeHtml(ITEM_LABELS[item].ja)} <span class="en">${escapeHtml(ITEM_LABELS[item].en)}</span></label>`,
          )
          .join('\n');
  return CONSENT_PAGE.replace('/*STYLE*/', PAGE_STYLE)
    .replaceAll('{{UID}}', escapeHtml(view.uid))
    .replaceAll('{{SERVICE_EN}}', escapeHtml(view.client.name))
    .replaceAll('{{SERVICE}}', escapeHtml(view.client.nameJa ?? view.client.name))
    .replace('{{ITEMS}}', items);
}

/**
 * "Sign in with My Number card": the sign-in pages (card, then consent) that the
 * provider sends the person to, the browser chip they run, and the operators' API for
 * registering relying parties. The protocol endpoints are the library's (oidc-mount.ts).
 */
export async function oidcRoutes(app: FastifyInstance, opts: { system: System }): Promise<void> {
  const { oidc } = opts.system;
  const limit = rateLimit({ limit: opts.system.config.rateLimit * 10, windowMs: 60_000 });
  // The consent page posts a plain HTML form (it works without script).
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 16_384 },
    (_request, body, done) => done(null, parseForm(String(body))),
  );
  // Bundle the browser chip now, so the first sign-in page does not wait for it.
  chipBundle().catch((error: unknown) =>
    app.log.error({ err: { type: (error as Error).name } }, 'chip bundle failed'),
  );

  /** Runs a step; a page request that fails gets an error page, a JSON one problem+json. */
  const step = async <T>(
    request: FastifyRequest,
    reply: FastifyReply,
    run: () => Promise<T>,
    answer: (value: T) => FastifyReply | Promise<FastifyReply>,
  ): Promise<FastifyReply> => {
    try {
      return await answer(await run());
    } catch (error) {
      if (wantsJson(request) || !isAppError(error)) throw error;
      const status = STATUS_OF[error.kind];
      return reply
        .code(status)
        .type('text/html; charset=utf-8')
        .headers(pageHeaders())
        .send(errorPage(error.code, error.expose ? error.message : SERVER_ERRORS.INTERNAL));
    }
  };
  const redirect = (request: FastifyRequest, reply: FastifyReply, to: { redirectTo: string }) =>
    wantsJson(request) ? reply.send(to) : reply.code(303).header('location', to.redirectTo).send();

  app.get(
    '/oidc/interaction/:uid',
    {
      config: open,
      schema: {
        tags,
        summary: 'The sign-in page for one authorization: the card step, then the consent step',
        description: 'HTML by default; `Accept: application/json` gives the step, the service and the items.',
        security: [],
        params: uidParams,
        response: {
          200: {
            type: 'object',
            properties: {
              uid: { type: 'string' },
              step: { type: 'string', enum: ['login', 'consent'] },
              client: {
                type: 'object',
                properties: {
                  clientId: { type: 'string' },
                  name: { type: 'string' },
                  nameJa: { type: ['string', 'null'] },
                },
              },
              items: { type: 'array', items: { type: 'string', enum: [...CLAIM_ITEMS] } },
            },
          },
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const { uid } = request.params as { uid: string };
      return step(
        request,
        reply,
        () => oidc.interactions.view(request.raw, reply.raw, uid),
        (view) => {
          if (wantsJson(request)) return reply.send(view);
          const html = view.step === 'login' ? renderLogin(view) : renderConsent(view);
          // The consent form's answer ends in a redirect to the service: allow its origin.
          const targets = view.step === 'consent' && view.redirectOrigin !== '' ? [view.redirectOrigin] : [];
          return reply.type('text/html; charset=utf-8').headers(pageHeaders(targets)).send(html);
        },
      );
    },
  );

  app.post(
    '/oidc/interaction/:uid/challenge',
    {
      config: open,
      preHandler: limit,
      schema: {
        tags,
        summary: 'A card challenge bound to this sign-in (audience `oidc:<uid>`), single-use, 2 minutes',
        security: [],
        params: uidParams,
        response: {
          200: challengeSchema,
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const { uid } = request.params as { uid: string };
      const c = await oidc.interactions.challenge(request.raw, reply.raw, uid);
      return {
        challengeId: c.challengeId,
        audience: c.audience,
        message: Buffer.from(c.message).toString('base64'),
        expiresAt: c.expiresAt.toISOString(),
      };
    },
  );

  app.post(
    '/oidc/interaction/:uid/login',
    {
      config: open,
      preHandler: limit,
      schema: {
        tags,
        summary: "The card's answer to this sign-in's challenge; on success, on to consent",
        security: [],
        params: uidParams,
        body: {
          type: 'object',
          required: ['challengeId', 'certificate', 'signature'],
          additionalProperties: false,
          properties: {
            challengeId: { type: 'string', maxLength: 64 },
            certificate: b64(16_384),
            signature: b64(1_024),
          },
        },
        response: { 200: redirectSchema, 303: { type: 'null' }, ...problems },
      },
    },
    async (request, reply) => {
      const { uid } = request.params as { uid: string };
      const body = request.body as { challengeId: string; certificate: string; signature: string };
      const done = await oidc.interactions.login(request.raw, reply.raw, uid, {
        challengeId: body.challengeId,
        certificate: Buffer.from(body.certificate, 'base64'),
        signature: Buffer.from(body.signature, 'base64'),
      });
      return redirect(request, reply, done);
    },
  );

  app.post(
    '/oidc/interaction/:uid/confirm',
    {
      config: open,
      schema: {
        tags,
        summary:
          'The items the person agrees to share (each one the service asked for); the rest are refused',
        security: [],
        params: uidParams,
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            items: {
              anyOf: [
                { type: 'string', maxLength: 40 },
                { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 40 } },
              ],
            },
          },
        },
        response: { 200: redirectSchema, 303: { type: 'null' }, ...problems },
      },
    },
    async (request, reply) => {
      const { uid } = request.params as { uid: string };
      const raw = (request.body as { items?: string | string[] } | undefined)?.items ?? [];
      const items = Array.isArray(raw) ? raw : [raw];
      return step(
        request,
        reply,
        () => oidc.interactions.confirm(request.raw, reply.raw, uid, items),
        (done) => redirect(request, reply, done),
      );
    },
  );

  app.post(
    '/oidc/interaction/:uid/abort',
    {
      config: open,
      schema: {
        tags,
        summary: 'The person declines: the service receives access_denied',
        security: [],
        params: uidParams,
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        response: { 200: redirectSchema, 303: { type: 'null' }, ...problems },
      },
    },
    async (request, reply) => {
      const { uid } = request.params as { uid: string };
      return step(
        request,
        reply,
        () => oidc.interactions.abort(request.raw, reply.raw, uid),
        (done) => redirect(request, reply, done),
      );
    },
  );

  app.get('/assets/chip.js', { config: open, schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'public, max-age=3600')
      .send(await chipBundle()),
  );

  // The operators' registry of relying parties.
  const actorOf = (request: FastifyRequest, reply: FastifyReply) => {
    if (request.actor === undefined) {
      sendProblem(
        request,
        reply.header('www-authenticate', 'Bearer'),
        401,
        'AUTH_MISSING_CREDENTIAL',
        SERVER_ERRORS.AUTH_MISSING_CREDENTIAL,
      );
      return undefined;
    }
    return request.actor;
  };

  app.post(
    '/v1/oidc/clients',
    {
      config: operator,
      schema: {
        tags,
        summary: 'Register a relying party; its client secret is in this answer only',
        body: {
          type: 'object',
          required: ['name', 'redirectUris', 'allowedClaims'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', maxLength: 200 },
            nameJa: { type: 'string', maxLength: 200 },
            redirectUris: uris('https (http only for localhost / 127.0.0.1), one host, no fragment'),
            postLogoutRedirectUris: uris('where sign-out may return to'),
            allowedClaims: {
              type: 'array',
              maxItems: 20,
              items: { type: 'string', maxLength: 40 },
              description: `the items the service may ask for: ${CLAIM_ITEMS.join(', ')}`,
            },
            tokenEndpointAuthMethod: { type: 'string', enum: ['client_secret_basic', 'client_secret_post'] },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              clientId: { type: 'string' },
              clientSecret: { type: 'string' },
              client: clientSchema,
            },
          },
          ...problems,
          403: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request, reply);
      if (actor === undefined) return reply;
      const body = request.body as {
        name: string;
        nameJa?: string;
        redirectUris: string[];
        postLogoutRedirectUris?: string[];
        allowedClaims: string[];
        tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
      };
      const registered = await oidc.clients.register(body, actor);
      request.log.info({ clientId: registered.clientId, actorId: actor.id }, 'relying party registered');
      return reply.code(201).send({ ...registered, client: registered.client });
    },
  );

  app.get(
    '/v1/oidc/clients',
    {
      config: operator,
      schema: {
        tags,
        summary: 'The registered relying parties (never their secrets)',
        response: {
          200: { type: 'object', properties: { clients: { type: 'array', items: clientSchema } } },
          ...problems,
          403: problemSchema,
        },
      },
    },
    async (request, reply) => {
      if (actorOf(request, reply) === undefined) return reply;
      return { clients: await oidc.clients.list() };
    },
  );

  app.post(
    '/v1/oidc/clients/:id/disable',
    {
      config: operator,
      schema: {
        tags,
        summary: 'Stop a relying party at once: no new sign-in, code or userinfo',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', maxLength: 64 } },
        },
        response: { 200: clientSchema, ...problems, 403: problemSchema },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request, reply);
      if (actor === undefined) return reply;
      const { id } = request.params as { id: string };
      const disabled = await oidc.clients.disable(id, actor);
      request.log.info({ clientId: id, actorId: actor.id }, 'relying party disabled');
      return disabled;
    },
  );

  await app.register(demoLibraryRoutes, { system: opts.system });
}
