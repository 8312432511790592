import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const APPLY = readFileSync(new URL('../pages/apply.html', import.meta.url), 'utf8');

/** The page the notice letter's QR code opens: the online card application. */
export async function pageRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/apply',
    { config: { access: { public: true } }, schema: { hide: true } },
    async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header(
          'content-security-policy',
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'",
        )
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(APPLY),
  );
}
