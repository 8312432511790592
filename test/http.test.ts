import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createTestApp, staffHeaders, type TestApp } from './support/app.ts';
import { dialects } from './support/stores.ts';

const resident = {
  municipalityCode: '131016',
  localId: 'H-100',
  familyName: '髙橋',
  givenName: '二郎',
  familyNameKana: 'タカハシ',
  givenNameKana: 'ジロウ',
  birthDate: '1982-03-04',
  sex: '1',
  postalCode: '1000013',
  address: '東京都千代田区霞が関三丁目4番5号',
};

for (const { dialect, skip } of await dialects()) {
  describe(`HTTP API on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let residentId = '';
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(() => t?.dispose());

    it('serves health and an OpenAPI document covering every route', async () => {
      const health = await t.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200);
      assert.deepEqual(health.json(), { status: 'ok', database: dialect });
      const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
        openapi: string;
        paths: Record<string, unknown>;
      };
      assert.equal(doc.openapi, '3.1.0');
      for (const path of [
        '/v1/residents',
        '/v1/residents/search',
        '/v1/residents/{id}',
        '/v1/residents/{id}/events',
        '/v1/imports/residents',
        '/v1/access-records',
        '/v1/reviews',
      ]) {
        assert.ok(path in doc.paths, `${path} documented`);
      }
    });

    it('registers, reads and searches a resident; the number never appears unasked', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/residents',
        headers: staffHeaders(t.tokens.clerk),
        payload: resident,
      });
      assert.equal(created.statusCode, 201, created.body);
      const body = created.json() as { residentId: string; numberLast4: string };
      residentId = body.residentId;
      assert.match(body.numberLast4, /^\d{4}$/);
      const read = await t.app.inject({
        method: 'GET',
        url: `/v1/residents/${residentId}`,
        headers: staffHeaders(t.tokens.clerk),
      });
      assert.equal(read.statusCode, 200);
      const r = read.json() as Record<string, unknown>;
      assert.equal(r['familyName'], '髙橋');
      assert.equal(r['sex'], 'male');
      assert.ok(!('number' in r));
      const revealed = await t.app.inject({
        method: 'POST',
        url: `/v1/residents/${residentId}/number/reveal`,
        headers: staffHeaders(t.tokens.clerk),
      });
      const number = (revealed.json() as { number: string }).number;
      assert.ok(!read.body.includes(number));
      const search = await t.app.inject({
        method: 'POST',
        url: '/v1/residents/search',
        headers: staffHeaders(t.tokens.clerk),
        payload: { name: '高橋 二郎', birthDate: '昭和57年3月4日' },
      });
      assert.deepEqual(
        (search.json() as { residents: { id: string }[] }).residents.map((x) => x.id),
        [residentId],
      );
    });

    it('enforces credentials, roles and a stated purpose', async () => {
      const none = await t.app.inject({ method: 'GET', url: `/v1/residents/${residentId}` });
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().code, 'AUTH_MISSING_CREDENTIAL');
      const forged = await t.app.inject({
        method: 'GET',
        url: `/v1/residents/${residentId}`,
        headers: staffHeaders(`${t.tokens.clerk.slice(0, -3)}AAA`),
      });
      assert.equal(forged.json().code, 'AUTH_INVALID_CREDENTIAL');
      const auditorReads = await t.app.inject({
        method: 'GET',
        url: `/v1/residents/${residentId}`,
        headers: staffHeaders(t.tokens.auditor),
      });
      assert.equal(auditorReads.statusCode, 403);
      const clerkAudits = await t.app.inject({
        method: 'GET',
        url: '/v1/access-records',
        headers: staffHeaders(t.tokens.clerk),
      });
      assert.equal(clerkAudits.statusCode, 403);
      const noPurpose = await t.app.inject({
        method: 'GET',
        url: `/v1/residents/${residentId}`,
        headers: { authorization: `Bearer ${t.tokens.clerk}` },
      });
      assert.equal(noPurpose.statusCode, 400);
      assert.equal(noPurpose.json().code, 'AUTH_PURPOSE_REQUIRED');
      const correction = await t.app.inject({
        method: 'POST',
        url: `/v1/residents/${residentId}/events`,
        headers: staffHeaders(t.tokens.clerk),
        payload: {
          kind: 'correction',
          effectiveDate: '2026-03-01',
          reason: 'typo',
          changes: { givenName: '次郎' },
        },
      });
      assert.equal(correction.statusCode, 403);
      const revoked = await t.system.staff.issue('leaver', 'clerk', t.institutions.town.id);
      await t.system.staff.revoke(revoked.credential.id);
      const afterRevoke = await t.app.inject({
        method: 'GET',
        url: `/v1/residents/${residentId}`,
        headers: staffHeaders(revoked.token),
      });
      assert.equal(afterRevoke.json().code, 'AUTH_REVOKED_CREDENTIAL');
    });

    it('lets an auditor see every access, with who, role, purpose and items', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/v1/access-records?residentId=${residentId}`,
        headers: staffHeaders(t.tokens.auditor, 'audit'),
      });
      assert.equal(res.statusCode, 200);
      const records = (
        res.json() as { records: { action: string; actorRole: string; purpose: string; items: string[] }[] }
      ).records;
      assert.deepEqual(
        records.map((r) => r.action),
        ['create', 'read', 'reveal-number', 'search'],
      );
      assert.ok(records.every((r) => r.actorRole === 'clerk' && r.purpose === 'counter-service'));
    });

    it('answers bad input with 4xx problem+json and a stable code, writing nothing', async () => {
      const before = await t.system.registry.count();
      const cases: {
        payload?: string | object;
        headers?: Record<string, string>;
        status: number;
        code: string;
        url?: string;
      }[] = [
        {
          payload: '{"familyName":',
          headers: { 'content-type': 'application/json' },
          status: 400,
          code: 'REQUEST_MALFORMED_JSON',
        },
        {
          payload: { ...resident, localId: 'X-1', birthDate: '2023-02-30' },
          status: 400,
          code: 'REGISTRY_INVALID_RESIDENT',
        },
        {
          payload: { ...resident, localId: 'X-2', familyName: '' },
          status: 400,
          code: 'REGISTRY_INVALID_RESIDENT',
        },
        {
          payload: { ...resident, localId: 'X-3', municipalityCode: '011002', birthDate: '2099-01-01' },
          status: 400,
          code: 'REGISTRY_INVALID_RESIDENT',
        },
        {
          payload: { ...resident, localId: 'X-4', municipalityCode: '999999' },
          status: 400,
          code: 'REGISTRY_INVALID_RESIDENT',
        },
        { payload: { ...resident, localId: 'X-5', extra: 'field' }, status: 400, code: 'REQUEST_INVALID' },
        { payload: { ...resident, localId: 'X-6', familyName: 42 }, status: 400, code: 'REQUEST_INVALID' },
        {
          payload: 'familyName=x',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          status: 415,
          code: 'REQUEST_UNSUPPORTED_MEDIA_TYPE',
        },
        {
          payload: JSON.stringify({ ...resident, address: 'あ'.repeat(2_000_000) }),
          headers: { 'content-type': 'application/json' },
          status: 413,
          code: 'REQUEST_TOO_LARGE',
        },
        { payload: resident, status: 409, code: 'REGISTRY_LOCAL_ID_TAKEN' },
      ];
      for (const c of cases) {
        const res = await t.app.inject({
          method: 'POST',
          url: c.url ?? '/v1/residents',
          headers: { ...staffHeaders(t.tokens.clerk), ...c.headers },
          ...(typeof c.payload === 'string' ? { body: c.payload } : { payload: c.payload as object }),
        });
        assert.equal(res.statusCode, c.status, `${c.code}: ${res.body.slice(0, 300)}`);
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.equal(res.json().code, c.code);
      }
      const missing = await t.app.inject({ method: 'GET', url: '/v1/nothing-here' });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'ROUTE_NOT_FOUND');
      const badId = await t.app.inject({
        method: 'GET',
        url: '/v1/residents/not-a-uuid',
        headers: staffHeaders(t.tokens.clerk),
      });
      assert.equal(badId.json().code, 'REQUEST_INVALID');
      assert.deepEqual(await t.system.registry.count(), before);
    });

    it('imports CSV over HTTP for a supervisor, reporting bad rows by line', async () => {
      const csv = [
        '宛名番号,市区町村コード,氏,名,生年月日,性別,住所',
        'W-1,131016,小林,誠,1966-06-06,男,東京都千代田区一番町1',
        'W-2,131016,小林,恵,1966-02-30,女,東京都千代田区一番町1',
      ].join('\n');
      const asClerk = await t.app.inject({
        method: 'POST',
        url: '/v1/imports/residents',
        headers: { ...staffHeaders(t.tokens.clerk), 'content-type': 'text/csv' },
        body: csv,
      });
      assert.equal(asClerk.statusCode, 403);
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/imports/residents',
        headers: {
          ...staffHeaders(t.tokens.supervisor, 'resident-import'),
          'content-type': 'text/csv; charset=utf-8',
        },
        body: csv,
      });
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json() as {
        rows: number;
        registered: number;
        errors: { line: number; code: string }[];
      };
      assert.deepEqual([report.rows, report.registered], [2, 1]);
      assert.deepEqual(
        report.errors.map((e) => [e.line, e.code]),
        [[3, 'DATE_IMPOSSIBLE']],
      );
      const badHeader = await t.app.inject({
        method: 'POST',
        url: '/v1/imports/residents',
        headers: { ...staffHeaders(t.tokens.supervisor), 'content-type': 'text/csv' },
        body: 'name,city\nx,y\n',
      });
      assert.equal(badHeader.statusCode, 400);
      assert.equal(badHeader.json().code, 'IMPORT_CSV_HEADER');
    });

    it('never answers 500 to arbitrary JSON bodies', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(
            fc.constantFrom(...Object.keys(resident), 'number', 'x'),
            fc.oneof(
              fc.string(),
              fc.string({ unit: 'grapheme', maxLength: 30 }),
              fc.integer(),
              fc.constant(null),
              fc.constantFrom('2024-02-29', '令和元年5月1日', '131016', 'female'),
            ),
          ),
          async (body) => {
            for (const url of ['/v1/residents', '/v1/residents/search']) {
              const res = await t.app.inject({
                method: 'POST',
                url,
                headers: staffHeaders(t.tokens.clerk),
                payload: body,
              });
              assert.ok(res.statusCode < 500, `${url} ${res.statusCode} ${res.body}`);
            }
          },
        ),
        { numRuns: 60 },
      );
    });

    it('logs no number, name or address', async () => {
      const number = (
        (
          await t.app.inject({
            method: 'POST',
            url: `/v1/residents/${residentId}/number/reveal`,
            headers: staffHeaders(t.tokens.clerk),
          })
        ).json() as {
          number: string;
        }
      ).number;
      await t.app.inject({
        method: 'POST',
        url: '/v1/residents/search',
        headers: staffHeaders(t.tokens.clerk),
        payload: { number },
      });
      const log = t.log();
      assert.ok(log.length > 1000, 'the server did log');
      assert.ok(log.includes(residentId), 'logs carry ids');
      for (const secret of [
        number,
        number.slice(0, 8),
        '髙橋',
        '高橋',
        '二郎',
        '霞が関',
        'タカハシ',
        '1982-03-04',
      ]) {
        assert.ok(!log.includes(secret), `log contains ${secret}`);
      }
    });
  });
}
