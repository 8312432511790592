import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import Fastify, { type FastifyInstance } from 'fastify';
import { uuidv7 } from '../core/index.ts';
import { type DeclaredRoute, enforceAccess } from './access.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with the access it declared. */
    declaredRoutes: readonly DeclaredRoute[];
  }
}

import { ocspServerFactory } from './ocsp-fast-path.ts';
import { mountOidc } from './oidc-mount.ts';
import { errorHandler, SERVER_ERRORS, sendProblem } from './problem.ts';
import { authRoutes } from './routes/auth-routes.ts';
import { cardRoutes } from './routes/card-routes.ts';
import { clinicRoutes } from './routes/clinic-routes.ts';
import { institutionRoutes } from './routes/institution-routes.ts';
import { insuranceRoutes } from './routes/insurance-routes.ts';
import { oidcRoutes } from './routes/oidc-routes.ts';
import { pageRoutes } from './routes/page-routes.ts';
import { pkiRoutes } from './routes/pki-routes.ts';
import { publicRoutes } from './routes/public-routes.ts';
import { registryRoutes } from './routes/registry-routes.ts';
import { signatureRoutes } from './routes/signature-routes.ts';
import type { System } from './system.ts';

export interface AppOptions {
  /** Where pino writes (tests pass a stream to scan the log). */
  readonly logStream?: NodeJS.WritableStream | undefined;
}

/**
 * Logs carry ids, never personal data: request bodies are never logged, URLs hold only
 * ids (searches are POSTs), and credentials and purpose-bearing headers are redacted.
 */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'res.body',
  '*.number',
  '*.name',
  '*.address',
  '*.familyName',
  '*.givenName',
  '*.pins',
  '*.cardKey',
  '*.cardFile',
  '*.photo',
];

/** Builds the HTTP application from a running system. Composition happens here only. */
export async function buildApp(system: System, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: system.config.logLevel,
      redact: { paths: LOG_REDACT, censor: '[redacted]' },
      // Paths hold ids only; a query string may hold more (an application code), so
      // the log keeps the path alone.
      serializers: {
        req: (req) => ({
          method: req.method,
          url: req.url.split('?')[0] ?? '',
          remoteAddress: req.ip,
        }),
      },
      ...(options.logStream === undefined ? {} : { stream: options.logStream }),
    },
    genReqId: () => uuidv7(),
    bodyLimit: system.config.bodyLimit,
    serverFactory: ocspServerFactory(system.pki),
  });
  // Bodies are JSON and must have the right types as sent (42 is not a name);
  // query strings and path parameters are text, so those are coerced.
  const exact = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: true, strict: false });
  const coercing = new Ajv({ allErrors: true, coerceTypes: 'array', useDefaults: true, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? exact : coercing).compile(schema),
  );

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, 404, 'ROUTE_NOT_FOUND', SERVER_ERRORS.ROUTE_NOT_FOUND),
  );
  // The OpenID Connect provider's endpoints go to the library before any body is read.
  mountOidc(app, system.oidc);

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Myna',
        version: '0.1.0',
        description:
          "Myna's HTTP API. Staff routes need a staff session (sign in with your own card, then act under a grant) or an institution's machine credential (`Authorization: Bearer <credential>`); routes that show personal data also need `X-Myna-Purpose`. Resident routes need the session cookie set by card sign-in.",
      },
      components: { securitySchemes: { staff: { type: 'http', scheme: 'bearer' } } },
      security: [{ staff: [] }],
    },
  });
  const routes = enforceAccess(app, system);
  app.decorate('declaredRoutes', routes);
  await app.register(publicRoutes, { system });
  await app.register(registryRoutes, { system });
  await app.register(pkiRoutes, { system });
  await app.register(cardRoutes, { system });
  await app.register(signatureRoutes, { system });
  await app.register(authRoutes, { system });
  await app.register(institutionRoutes, { system });
  await app.register(insuranceRoutes, { system });
  await app.register(clinicRoutes, { system });
  await app.register(oidcRoutes, { system });
  await app.register(pageRoutes);
  app.get('/openapi.json', { config: { access: { public: true } }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  return app;
}
