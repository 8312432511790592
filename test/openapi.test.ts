import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createTestApp, type TestApp } from './support/app.ts';

/** The OpenAPI document, checked by a validator nobody here wrote. */
describe('OpenAPI document', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite');
  });
  after(() => t?.dispose());

  it('is a valid OpenAPI 3.1 document with every route and its error responses', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    await SwaggerParser.validate(structuredClone(doc) as never);
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    assert.ok(routes.length >= 14, routes.join(', '));
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (path === '/healthz') continue;
        assert.ok('400' in op.responses, `${method} ${path} documents its 400 problem`);
      }
    }
  });
});
