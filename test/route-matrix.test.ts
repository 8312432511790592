import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STAFF_ROLES, type StaffRole } from '../src/core/index.ts';
import type { Access } from '../src/server/access.ts';
import { createTestApp, type TestApp } from './support/app.ts';
import { issueCard } from './support/cards.ts';

/**
 * Every route × every caller: nobody, a resident signed in with their card (not acting
 * as staff), and a machine credential of each role. A caller the route does not admit
 * gets 401 or 403 and a problem document — no data; a caller it admits gets past the
 * gate (whatever the handler then says about the made-up input, never 401/403/500).
 */
const PROBLEM_KEYS = ['code', 'detail', 'details', 'requestId', 'status', 'title', 'type'];
const FAKE_ID = '01900000-0000-7000-8000-000000000000';

type Caller = { name: string; role?: StaffRole; resident?: true };
const CALLERS: Caller[] = [
  { name: 'nobody' },
  { name: 'resident', resident: true },
  ...STAFF_ROLES.map((role) => ({ name: role, role })),
];

function admits(access: Access, caller: Caller): boolean {
  if ('public' in access) return true;
  if ('resident' in access) return caller.resident === true;
  return caller.role !== undefined && access.roles.includes(caller.role);
}

describe('route × role matrix', () => {
  let t: TestApp;
  let card: Awaited<ReturnType<typeof issueCard>>;
  before(async () => {
    t = await createTestApp('sqlite');
    card = await issueCard(t, { givenName: '行列', birthDate: '1970-07-07' });
    // The test service holds every entitlement, so entitlement-gated routes admit it.
    await t.system.institutions.setEntitlements(t.institutions.service.id, [
      'signer-items',
      'change-tracking',
    ]);
  });
  after(() => t?.dispose());

  it('declares access on every route, and the table covers the API', () => {
    const routes = t.app.declaredRoutes;
    assert.ok(routes.length >= 40, `only ${routes.length} routes declared`);
    for (const r of routes) assert.ok(r.access !== undefined, `${r.method} ${r.url}`);
    for (const path of ['/v1/residents/:id', '/v1/institutions', '/v1/me', '/v1/cards/:id/suspend'])
      assert.ok(
        routes.some((r) => r.url === path),
        `${path} is in the table`,
      );
  });

  it('admits exactly the declared callers on every route', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of t.app.declaredRoutes) {
      const url = route.url.replace(/:[A-Za-z]+/g, FAKE_ID).replace('*', 'x');
      for (const caller of CALLERS) {
        const headers: Record<string, string> = { 'x-myna-purpose': 'matrix-test' };
        if (caller.role !== undefined) headers.authorization = `Bearer ${t.tokens[caller.role]}`;
        // A fresh session per request: an admitted call may end it (sign-out, report lost).
        const cookies =
          caller.resident === true
            ? {
                myna_session: (
                  await t.system.sessions.start({ residentId: card.residentId, cardId: FAKE_ID })
                ).token,
              }
            : undefined;
        const r = await t.app.inject({
          method: route.method as 'GET',
          url,
          headers,
          ...(cookies === undefined ? {} : { cookies }),
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
        });
        checked++;
        const where = `${route.method} ${route.url} as ${caller.name} → ${r.statusCode}`;
        if (r.statusCode >= 500) failures.push(`${where}: ${r.body.slice(0, 200)}`);
        if (admits(route.access, caller)) {
          if (r.statusCode === 401 || r.statusCode === 403) {
            const code = (r.json() as { code?: string }).code ?? '';
            // An admitted caller can still be refused by the handler for the made-up input's
            // sake (e.g. a card that is not theirs), but never by the gate.
            if (
              /^AUTH_(MISSING_CREDENTIAL|ROLE_FORBIDDEN|NOT_ACTING_AS_STAFF|NOT_ENTITLED|SESSION_REQUIRED)$/.test(
                code,
              )
            )
              failures.push(`${where}: admitted caller refused by the gate (${code})`);
          }
          continue;
        }
        if (r.statusCode !== 401 && r.statusCode !== 403) {
          failures.push(`${where}: expected 401/403`);
          continue;
        }
        const body = r.json() as Record<string, unknown>;
        const keys = Object.keys(body).sort();
        if (keys.join() !== PROBLEM_KEYS.join()) failures.push(`${where}: body has ${keys.join()}`);
        if (!String(body.code).startsWith('AUTH_')) failures.push(`${where}: code ${String(body.code)}`);
        if (r.body.includes(card.residentId)) failures.push(`${where}: leaks the resident id`);
        if (caller.name === 'nobody' && r.statusCode !== 401) failures.push(`${where}: nobody must get 401`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(checked >= 40 * CALLERS.length);
  });

  it('refuses the resident without the cookie and a forged cookie alike', async () => {
    const residentRoutes = t.app.declaredRoutes.filter((r) => 'resident' in r.access);
    assert.ok(residentRoutes.length >= 4);
    for (const route of residentRoutes) {
      const r = await t.app.inject({
        method: route.method as 'GET',
        url: route.url,
        cookies: { myna_session: `mys_${'A'.repeat(43)}` },
        ...(route.method === 'GET' ? {} : { payload: {} }),
      });
      assert.equal(r.statusCode, 401, `${route.method} ${route.url}`);
      assert.equal(r.json().code, 'AUTH_SESSION_ENDED');
    }
  });
});
