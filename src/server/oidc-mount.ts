import type { FastifyInstance } from 'fastify';
import type { Oidc } from '../oidc/index.ts';

/**
 * Hands the OpenID Connect provider's own endpoints (discovery, authorization, token,
 * userinfo, JWKS, sign-out) to the library before Fastify reads a body: the library
 * parses its own requests and answers with OAuth errors. Everything else — the sign-in
 * pages and the operators' API — stays ordinary Fastify routes.
 */
export function mountOidc(app: FastifyInstance, oidc: Oidc): void {
  oidc.provider.on('server_error', (_ctx: unknown, error: Error) => {
    // The error's name only: a message could quote a value from the request.
    app.log.error({ err: { type: error.name } }, 'oidc provider error');
  });
  const callback = oidc.callback;
  app.addHook('onRequest', (request, reply, done) => {
    const path = request.url.split('?')[0] ?? '';
    if (!oidc.handles(path)) {
      done();
      return;
    }
    reply.hijack();
    const res = reply.raw;
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    callback(request.raw, res);
  });
}
