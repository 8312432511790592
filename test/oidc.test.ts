import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { VirtualChip } from '../src/chip/index.ts';
import { openSystem } from '../src/server/index.ts';
import { staffHeaders } from './support/app.ts';
import { issueCard, PINS } from './support/cards.ts';
import {
  authorizationUrl,
  Browser,
  cardAnswer,
  createOidcTestApp,
  JSON_HEADERS,
  type OidcTestApp,
  type Rp,
  registerRp,
  signIn,
} from './support/oidc.ts';
import { dialects } from './support/stores.ts';

type Card = Awaited<ReturnType<typeof issueCard>>;

const decode = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

for (const { dialect, skip } of await dialects()) {
  describe(`Sign in with My Number card (OpenID Connect) on ${dialect}`, { skip }, () => {
    let t: OidcTestApp;
    let card: Card;
    let chip: VirtualChip;
    let library: Rp;
    let shop: Rp;
    const clock = () => t.system.clock as unknown as { set(to: Date | string): void };
    const START = '2026-04-01T03:00:00Z';

    before(async () => {
      t = await createOidcTestApp(dialect);
      card = await issueCard(t, { givenName: '一郎', birthDate: '1990-05-05' });
      chip = await VirtualChip.open(card.cardFile, card.cardKey);
      library = await registerRp(t, {
        name: 'City library',
        nameJa: '市立図書館',
        allowedClaims: ['over_18'],
      });
      shop = await registerRp(t, {
        name: 'Shop',
        allowedClaims: ['name', 'address', 'birthdate', 'gender', 'over_18', 'over_20'],
        redirectUri: 'https://shop.example/cb',
      });
    });
    after(() => t?.dispose());

    it('publishes a discovery document a certified client accepts: code flow, S256 only, pairwise, RS256', async () => {
      const m = shop.config.serverMetadata();
      assert.equal(m.issuer, t.issuer);
      assert.equal(m.authorization_endpoint, `${t.issuer}/oidc/auth`);
      assert.equal(m.token_endpoint, `${t.issuer}/oidc/token`);
      assert.equal(m.userinfo_endpoint, `${t.issuer}/oidc/me`);
      assert.equal(m.jwks_uri, `${t.issuer}/oidc/jwks`);
      assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(m.response_types_supported, ['code']);
      assert.deepEqual(m['subject_types_supported'], ['pairwise']);
      assert.deepEqual(m.id_token_signing_alg_values_supported, ['RS256']);
      for (const scope of ['openid', 'name', 'address', 'birthdate', 'gender', 'over_18', 'over_20'])
        assert.ok(m.scopes_supported?.includes(scope), scope);
      assert.equal(m.registration_endpoint, undefined, 'no dynamic registration');
      const jwks = (await (await fetch(`${t.issuer}/oidc/jwks`)).json()) as {
        keys: Record<string, unknown>[];
      };
      assert.equal(jwks.keys.length, 1);
      assert.equal(jwks.keys[0]!['kty'], 'RSA');
      assert.equal(jwks.keys[0]!['d'], undefined, 'no private part');
    });

    it('signs in with the card; the ID token is valid; userinfo holds exactly the consented items', async () => {
      const s = await signIn(t, shop, chip, {
        scope: 'openid name birthdate over_18 over_20',
        items: ['name', 'over_18', 'over_20'],
      });
      const id = s.tokens.claims()!;
      assert.equal(id.iss, t.issuer);
      assert.equal(id.aud, shop.clientId);
      assert.deepEqual(id['amr'], ['sc', 'pin']);
      assert.equal(id['name'], undefined, 'claims go to userinfo, not the ID token');
      assert.match(s.sub, /^[A-Za-z0-9_-]{43}$/);
      const info = await client.fetchUserInfo(shop.config, s.tokens.access_token, s.sub);
      assert.deepEqual(
        { ...info },
        {
          sub: s.sub,
          name: '髙橋 一郎',
          family_name: '髙橋',
          given_name: '一郎',
          over_18: true,
          over_20: true,
        },
      );
      assert.equal(info.birthdate, undefined, 'birthdate was asked for but not chosen');
      // The read is in the resident's access log under the service's name.
      const records = await t.system.registry.accessRecords({ residentId: card.residentId, limit: 1000 });
      const mine = records.filter((r) => r.actorId === `oidc-client:${shop.clientId}`);
      assert.equal(mine.length, 1);
      assert.equal(mine[0]!.actorRole, 'relying-party');
      assert.equal(mine[0]!.purpose, 'oidc-claims');
      // It lists what was passed on (the age claims needed the birth date), not the whole record.
      assert.deepEqual([...mine[0]!.items].sort(), ['birth-date', 'name']);
    });

    it('gives address, birth date and sex as standard claims when chosen', async () => {
      const s = await signIn(t, shop, chip, {
        scope: 'openid address birthdate gender',
        items: ['address', 'birthdate', 'gender'],
      });
      const info = await client.fetchUserInfo(shop.config, s.tokens.access_token, s.sub);
      assert.deepEqual(
        { ...info },
        {
          sub: s.sub,
          address: { formatted: '東京都千代田区霞が関1丁目2番3号', postal_code: '100-0013', country: 'JP' },
          birthdate: '1990-05-05',
          gender: 'male',
        },
      );
    });

    it('pairwise: each service gets its own subject, the same one every time; another person another', async () => {
      const a1 = await signIn(t, library, chip, { scope: 'openid over_18', items: ['over_18'] });
      const a2 = await signIn(t, library, chip, { scope: 'openid over_18', items: [] });
      const b = await signIn(t, shop, chip, { scope: 'openid', items: [] });
      assert.equal(a1.sub, a2.sub);
      assert.notEqual(a1.sub, b.sub);
      const other = await issueCard(t, { givenName: '二郎', birthDate: '1985-01-01' });
      const otherChip = await VirtualChip.open(other.cardFile, other.cardKey);
      const c = await signIn(t, library, otherChip, { scope: 'openid', items: [] });
      assert.notEqual(c.sub, a1.sub);
      for (const sub of [a1.sub, b.sub, c.sub]) {
        assert.notEqual(sub, card.residentId);
        assert.notEqual(sub, other.residentId);
      }
      // Nothing chosen: userinfo has the subject alone, and the register was not read.
      const before = (await t.system.registry.accessRecords({ residentId: card.residentId, limit: 1000 }))
        .length;
      const info = await client.fetchUserInfo(library.config, a2.tokens.access_token, a2.sub);
      assert.deepEqual({ ...info }, { sub: a2.sub });
      const afterRecords = await t.system.registry.accessRecords({
        residentId: card.residentId,
        limit: 1000,
      });
      assert.equal(afterRecords.length, before);
    });

    it('one browser, two people in turn: the second card signs the second person in, not the first', async () => {
      const browser = new Browser();
      const first = await signIn(t, library, chip, { scope: 'openid', items: [], browser });
      const other = await issueCard(t, { givenName: '三郎', birthDate: '1970-07-07' });
      const otherChip = await VirtualChip.open(other.cardFile, other.cardKey);
      const second = await signIn(t, library, otherChip, { scope: 'openid', items: [], browser });
      assert.notEqual(second.sub, first.sub);
      // The first sign-in's tokens keep working: the new session did not cut them off.
      const info = await client.fetchUserInfo(library.config, first.tokens.access_token, first.sub);
      assert.equal(info.sub, first.sub);
    });

    it('over_18 and over_20 at the provider’s clock, by the date in Japan', async () => {
      // Born 2008-04-02: 18 from 2026-04-02 in Japan, which begins at 2026-04-01T15:00Z.
      const young = await issueCard(t, { givenName: '四郎', birthDate: '2008-04-02' });
      const youngChip = await VirtualChip.open(young.cardFile, young.cardKey);
      try {
        clock().set('2026-04-01T14:58:00Z');
        const s = await signIn(t, shop, youngChip, {
          scope: 'openid over_18 over_20',
          items: ['over_18', 'over_20'],
        });
        let info = await client.fetchUserInfo(shop.config, s.tokens.access_token, s.sub);
        assert.deepEqual({ ...info }, { sub: s.sub, over_18: false, over_20: false });
        clock().set('2026-04-01T15:00:00Z');
        info = await client.fetchUserInfo(shop.config, s.tokens.access_token, s.sub);
        assert.deepEqual({ ...info }, { sub: s.sub, over_18: true, over_20: false });
      } finally {
        clock().set(START);
      }
    });

    it('refuses consent to an item not asked for, and a step out of order; declining sends access_denied', async () => {
      const browser = new Browser();
      const auth = await authorizationUrl(shop, 'openid over_18');
      const { url: interaction } = await browser.follow(auth.url.href, t.issuer);
      let r = await browser.fetch(`${interaction}/confirm`, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ items: ['over_18'] }),
      });
      assert.equal(r.status, 409);
      assert.equal(((await r.json()) as { code: string }).code, 'OIDC_INTERACTION_STEP');
      r = await browser.fetch(`${interaction}/login`, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify(await cardAnswer(browser, interaction, chip)),
      });
      assert.equal(r.status, 200);
      const { url: consent } = await browser.follow(
        ((await r.json()) as { redirectTo: string }).redirectTo,
        t.issuer,
      );
      r = await browser.fetch(`${consent}/confirm`, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ items: ['over_18', 'birthdate'] }),
      });
      assert.equal(r.status, 400);
      const problem = (await r.json()) as { code: string; details: { code: string }[] };
      assert.equal(problem.code, 'OIDC_ITEM_NOT_REQUESTED');
      assert.equal(problem.details[0]!.code, 'ITEM_NOT_REQUESTED');
      r = await browser.fetch(`${consent}/challenge`, { method: 'POST', headers: JSON_HEADERS, body: '{}' });
      assert.equal(((await r.json()) as { code: string }).code, 'OIDC_INTERACTION_STEP');
      r = await browser.fetch(`${consent}/abort`, { method: 'POST', headers: JSON_HEADERS, body: '{}' });
      assert.equal(r.status, 200);
      const back = await browser.follow(((await r.json()) as { redirectTo: string }).redirectTo, t.issuer);
      const callback = new URL(back.url);
      assert.equal(callback.origin + callback.pathname, shop.redirectUri);
      assert.equal(callback.searchParams.get('error'), 'access_denied');
      assert.equal(callback.searchParams.get('state'), auth.state);
      assert.equal(callback.searchParams.get('code'), null);
    });

    it('a service may ask only for what it was registered for', async () => {
      const browser = new Browser();
      const auth = await authorizationUrl(library, 'openid over_18 birthdate');
      const back = await browser.follow(auth.url.href, t.issuer);
      const callback = new URL(back.url);
      assert.equal(callback.origin + callback.pathname, library.redirectUri);
      assert.equal(callback.searchParams.get('error'), 'invalid_scope');
    });

    it('refuses card answers that are forged, for another sign-in, late, or from a suspended card', async () => {
      const browser = new Browser();
      const start = async () => {
        const auth = await authorizationUrl(library, 'openid');
        return (await browser.follow(auth.url.href, t.issuer)).url;
      };
      const login = async (interaction: string, body: unknown) => {
        const r = await browser.fetch(`${interaction}/login`, {
          method: 'POST',
          headers: JSON_HEADERS,
          body: JSON.stringify(body),
        });
        assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
        return ((await r.json()) as { code: string }).code;
      };
      const x = await start();
      const y = await start();
      // An answer made for the first sign-in, sent to the second.
      const forX = await cardAnswer(browser, x, chip);
      assert.equal(await login(y, forX), 'AUTH_AUDIENCE_MISMATCH');
      // A signature over something else.
      const good = await cardAnswer(browser, y, chip);
      assert.equal(await login(y, { ...good, signature: forX.signature }), 'AUTH_SIGNATURE_INVALID');
      // Another card's certificate with this card's signature.
      const other = await issueCard(t, { givenName: '五郎', birthDate: '1960-06-06' });
      const otherChip = await VirtualChip.open(other.cardFile, other.cardKey);
      const otherAnswer = await cardAnswer(browser, y, otherChip);
      assert.equal(
        await login(y, { ...good, certificate: otherAnswer.certificate }),
        'AUTH_SIGNATURE_INVALID',
      );
      assert.equal(await login(y, { ...good, certificate: 'AAAA' }), 'AUTH_CERTIFICATE_MALFORMED');
      assert.equal(await login(y, { ...good, challengeId: 'nope' }), 'AUTH_CHALLENGE_UNKNOWN');
      // Late.
      const late = await cardAnswer(browser, y, chip);
      clock().set(new Date(new Date(START).getTime() + 121_000));
      try {
        assert.equal(await login(y, late), 'AUTH_CHALLENGE_EXPIRED');
      } finally {
        clock().set(START);
      }
      // Suspended (reported lost), then resumed.
      const h = staffHeaders(t.tokens.clerk, 'card-lifecycle');
      let r = await t.app.inject({ method: 'POST', url: `/v1/cards/${other.cardId}/suspend`, headers: h });
      assert.equal(r.statusCode, 200, r.body);
      const z = await start();
      assert.equal(await login(z, await cardAnswer(browser, z, otherChip)), 'AUTH_CARD_SUSPENDED');
      r = await t.app.inject({ method: 'POST', url: `/v1/cards/${other.cardId}/resume`, headers: h });
      assert.equal(r.statusCode, 200, r.body);
      // A wrong PIN never leaves the chip.
      await assert.rejects(cardAnswer(browser, z, otherChip, '0000'), { code: 'CHIP_PIN_WRONG' });
      const ok = await browser.fetch(`${z}/login`, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify(await cardAnswer(browser, z, otherChip, PINS.authentication)),
      });
      assert.equal(ok.status, 200);
    });

    it('answers bad protocol input with OAuth errors: no redirect to an unregistered URI, PKCE required and checked', async () => {
      const browser = new Browser();
      // An unregistered redirect URI: an error page (JSON here), never a redirect.
      const wrong = await authorizationUrl(shop, 'openid');
      wrong.url.searchParams.set('redirect_uri', 'https://evil.example/cb');
      let r = await browser.fetch(wrong.url.href, { headers: { accept: 'application/json' } });
      assert.equal(r.status, 400);
      assert.equal(r.headers.get('location'), null);
      assert.equal(((await r.json()) as { error: string }).error, 'invalid_redirect_uri');
      r = await browser.fetch(wrong.url.href, { headers: { accept: 'text/html' } });
      assert.equal(r.status, 400);
      assert.match(await r.text(), /invalid_redirect_uri/);
      // An unknown client.
      const unknown = await authorizationUrl(shop, 'openid');
      unknown.url.searchParams.set('client_id', 'rp_unknown');
      r = await browser.fetch(unknown.url.href, { headers: { accept: 'application/json' } });
      assert.equal(r.status, 400);
      assert.equal(r.headers.get('location'), null);
      assert.equal(((await r.json()) as { error: string }).error, 'invalid_client');
      // No PKCE, or plain PKCE: refused back to the service.
      for (const change of [
        (u: URL) => {
          u.searchParams.delete('code_challenge');
          u.searchParams.delete('code_challenge_method');
        },
        (u: URL) => u.searchParams.set('code_challenge_method', 'plain'),
      ]) {
        const a = await authorizationUrl(shop, 'openid');
        change(a.url);
        r = await browser.fetch(a.url.href);
        const location = new URL(r.headers.get('location') ?? '');
        assert.equal(location.origin + location.pathname, shop.redirectUri);
        assert.equal(location.searchParams.get('error'), 'invalid_request');
        assert.match(location.searchParams.get('error_description') ?? '', /PKCE|code_challenge/);
      }
      // A PKCE verifier that does not match, and a code used twice.
      const s = await signIn(t, shop, chip, { scope: 'openid', items: [] });
      await assert.rejects(
        client.authorizationCodeGrant(shop.config, s.callbackUrl, {
          pkceCodeVerifier: client.randomPKCECodeVerifier(),
          expectedState: s.callbackUrl.searchParams.get('state')!,
        }),
        (error: { error?: string }) => error.error === 'invalid_grant',
      );
      const a = await authorizationUrl(shop, 'openid');
      const flow = await signInWithAuthorization(t, chip, a);
      const first = await client.authorizationCodeGrant(shop.config, flow, {
        pkceCodeVerifier: a.verifier,
        expectedState: a.state,
        expectedNonce: a.nonce,
      });
      assert.ok(first.access_token);
      await assert.rejects(
        client.authorizationCodeGrant(shop.config, flow, {
          pkceCodeVerifier: a.verifier,
          expectedState: a.state,
          expectedNonce: a.nonce,
        }),
        (error: { error?: string }) => error.error === 'invalid_grant',
      );
    });

    it('answers malformed tokens, wrong secrets and oversized requests with 4xx OAuth errors', async () => {
      let r = await fetch(`${t.issuer}/oidc/me`, { headers: { authorization: 'Bearer not-a-token' } });
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate') ?? '', /invalid_token/);
      r = await fetch(`${t.issuer}/oidc/me`, { headers: { authorization: `Bearer ${'x'.repeat(5000)}` } });
      assert.equal(r.status, 401);
      r = await fetch(`${t.issuer}/oidc/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${shop.clientId}:wrong`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fshop.example%2Fcb&code_verifier=x',
      });
      assert.equal(r.status, 401);
      assert.equal(((await r.json()) as { error: string }).error, 'invalid_client');
      r = await fetch(`${t.issuer}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=authorization_code&code=${'a'.repeat(100_000)}`,
      });
      assert.equal(r.status, 400);
      assert.equal(((await r.json()) as { error: string }).error, 'invalid_request');
      r = await fetch(`${t.issuer}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"grant_type":',
      });
      assert.equal(r.status, 400);
      r = await fetch(`${t.issuer}/oidc/auth?${'x'.repeat(60_000)}=1`);
      assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
      // Our own routes: problem+json with stable codes.
      r = await fetch(`${t.issuer}/oidc/interaction/nope`, { headers: { accept: 'application/json' } });
      assert.equal(r.status, 404);
      assert.equal(((await r.json()) as { code: string }).code, 'OIDC_INTERACTION_NOT_FOUND');
      r = await fetch(`${t.issuer}/oidc/interaction/bad%20uid`, { headers: { accept: 'application/json' } });
      assert.equal(r.status, 400);
      r = await fetch(`${t.issuer}/oidc/interaction/nope/confirm`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `items=${'a'.repeat(20_000)}`,
      });
      assert.equal(r.status, 413);
      // A valid interaction uid in another browser (no cookie) is unknown there.
      const browser = new Browser();
      const auth = await authorizationUrl(shop, 'openid');
      const { url: interaction } = await browser.follow(auth.url.href, t.issuer);
      r = await fetch(`${interaction}/challenge`, { method: 'POST', headers: JSON_HEADERS, body: '{}' });
      assert.equal(r.status, 404);
      assert.equal(((await r.json()) as { code: string }).code, 'OIDC_INTERACTION_NOT_FOUND');
      assert.doesNotMatch(t.log(), /"level":50/, 'no server error was logged');
    });

    it('operators register, list and disable relying parties; a disabled one stops at once', async () => {
      const op = { authorization: `Bearer ${t.operator}` };
      const body = { name: 'X', redirectUris: ['https://x.example/cb'], allowedClaims: ['over_18'] };
      let r = await t.app.inject({ method: 'POST', url: '/v1/oidc/clients', payload: body });
      assert.equal(r.statusCode, 401);
      r = await t.app.inject({
        method: 'POST',
        url: '/v1/oidc/clients',
        headers: { authorization: `Bearer ${t.tokens.clerk}` },
        payload: body,
      });
      assert.equal(r.statusCode, 403);
      const invalid = async (payload: object) => {
        const x = await t.app.inject({ method: 'POST', url: '/v1/oidc/clients', headers: op, payload });
        assert.equal(x.statusCode, 400, x.body);
        assert.equal(x.json().code, 'OIDC_CLIENT_INVALID');
        return (x.json().details as { code: string }[]).map((d) => d.code);
      };
      assert.deepEqual(await invalid({ ...body, redirectUris: ['http://x.example/cb'] }), ['URI_NOT_HTTPS']);
      assert.deepEqual(await invalid({ ...body, redirectUris: ['https://x.example/cb#f'] }), [
        'URI_FRAGMENT',
      ]);
      assert.deepEqual(await invalid({ ...body, redirectUris: ['not a url'] }), ['URI_MALFORMED']);
      assert.deepEqual(await invalid({ ...body, redirectUris: [] }), ['URI_REQUIRED']);
      assert.deepEqual(
        await invalid({ ...body, redirectUris: ['https://a.example/cb', 'https://b.example/cb'] }),
        ['URI_HOSTS_DIFFER'],
      );
      assert.deepEqual(await invalid({ ...body, allowedClaims: ['individual_number'] }), ['CLAIM_UNKNOWN']);
      assert.deepEqual(await invalid({ ...body, name: ' ' }), ['NAME_LENGTH']);
      r = await t.app.inject({
        method: 'POST',
        url: '/v1/oidc/clients',
        headers: op,
        payload: { ...body, redirectUris: ['http://localhost:3000/cb'] },
      });
      assert.equal(r.statusCode, 201, r.body);
      const created = r.json() as { clientId: string; clientSecret: string };
      assert.match(created.clientSecret, /^[A-Za-z0-9_-]{43}$/);
      r = await t.app.inject({ method: 'GET', url: '/v1/oidc/clients', headers: op });
      assert.equal(r.statusCode, 200);
      assert.ok(!r.body.includes(created.clientSecret), 'the secret is shown once');
      assert.ok(r.json().clients.some((c: { clientId: string }) => c.clientId === created.clientId));
      // The secret is sealed at rest.
      const rows = await t.system.store.db
        .withTables<{ oidc_client: { id: string; secret_sealed: string } }>()
        .selectFrom('oidc_client')
        .selectAll()
        .execute();
      assert.ok(!JSON.stringify(rows).includes(created.clientSecret));

      // Disabling: the service's tokens stop working and its sign-ins are refused.
      const rp = await registerRp(t, { name: 'Soon gone', allowedClaims: ['over_18'] });
      const s = await signIn(t, rp, chip, { scope: 'openid over_18', items: ['over_18'] });
      r = await t.app.inject({ method: 'POST', url: `/v1/oidc/clients/${rp.clientId}/disable`, headers: op });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().status, 'disabled');
      await assert.rejects(client.fetchUserInfo(rp.config, s.tokens.access_token, s.sub));
      const a = await authorizationUrl(rp, 'openid');
      const res = await fetch(a.url, { redirect: 'manual', headers: { accept: 'application/json' } });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
      r = await t.app.inject({ method: 'POST', url: '/v1/oidc/clients/rp_nope/disable', headers: op });
      assert.equal(r.statusCode, 404);
      assert.equal(r.json().code, 'OIDC_CLIENT_NOT_FOUND');
    });

    it('privacy: no resident id, card id, individual number or unconsented name in tokens, URLs, userinfo or the log', async () => {
      const number = await t.system.registry.revealNumber(card.residentId, {
        id: 'test',
        role: 'clerk',
        purpose: 'test',
      });
      // Only what this sign-in logs (issuing cards at the counter logs card ids in paths).
      const logFrom = t.log().length;
      const auth = await authorizationUrl(library, 'openid over_18');
      const browser = new Browser();
      const seen: string[] = [auth.url.href];
      const first = await browser.follow(auth.url.href, t.issuer);
      seen.push(first.url);
      const login = await browser.fetch(`${first.url}/login`, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify(await cardAnswer(browser, first.url, chip)),
      });
      const loginBody = await login.text();
      seen.push(loginBody);
      const consent = await browser.follow(
        (JSON.parse(loginBody) as { redirectTo: string }).redirectTo,
        t.issuer,
      );
      seen.push(consent.url, await consent.response.text());
      const confirm = await browser.fetch(`${consent.url}/confirm`, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ items: ['over_18'] }),
      });
      const back = await browser.follow(
        ((await confirm.json()) as { redirectTo: string }).redirectTo,
        t.issuer,
      );
      seen.push(back.url);
      const tokens = await client.authorizationCodeGrant(library.config, new URL(back.url), {
        pkceCodeVerifier: auth.verifier,
        expectedState: auth.state,
        expectedNonce: auth.nonce,
      });
      const info = await client.fetchUserInfo(library.config, tokens.access_token, tokens.claims()!.sub);
      assert.deepEqual(Object.keys(info).sort(), ['over_18', 'sub']);
      seen.push(
        tokens.access_token,
        tokens.id_token!,
        JSON.stringify(decode(tokens.id_token!)),
        JSON.stringify(info),
        browser.jar.names().join(' '),
      );
      const everything = `${seen.join('\n')}\n${t.log().slice(logFrom)}`;
      for (const [what, secret] of [
        ['resident id', card.residentId],
        ['card id', card.cardId],
        ['individual number', number],
        ['family name', '髙橋'],
        ['given name', '一郎'],
        ['birth date', '1990-05-05'],
        ['address', '霞が関'],
      ] as const)
        assert.ok(!everything.includes(secret), `${what} leaked`);
      // And the whole run's log, consented sign-ins included, holds nothing personal.
      for (const secret of [number, '髙橋', '一郎', '1990-05-05', '霞が関'])
        assert.ok(!t.log().includes(secret), 'nothing personal in the log');
    });

    it('stores the signing key once, sealed, and cleans expired payloads', async () => {
      type Tables = {
        oidc_signing_key: { kid: string; private_jwk_sealed: string };
        oidc_payload: { model: string; expires_at: string | null };
      };
      const db = t.system.store.db.withTables<Tables>();
      const keys = await db.selectFrom('oidc_signing_key').selectAll().execute();
      assert.equal(keys.length, 1);
      assert.ok(!keys[0]!.private_jwk_sealed.includes('"d"'));
      // A second process on the same database signs with the same key.
      const again = await openSystem(t.system.config, t.system.clock);
      try {
        assert.equal(again.oidc.signingKeyCreated, false);
        const jwks = (await (await fetch(`${t.issuer}/oidc/jwks`)).json()) as { keys: { kid: string }[] };
        assert.equal(jwks.keys[0]!.kid, keys[0]!.kid);
      } finally {
        await again.close();
      }
      assert.ok((await db.selectFrom('oidc_payload').selectAll().execute()).length > 0);
      // Two days later every payload so far has expired; the next write sweeps them.
      clock().set('2026-04-03T03:00:00Z');
      try {
        const auth = await authorizationUrl(library, 'openid');
        await new Browser().follow(auth.url.href, t.issuer);
        const left = await db.selectFrom('oidc_payload').selectAll().execute();
        assert.deepEqual(
          left.map((p) => p.model),
          ['Interaction'],
        );
      } finally {
        clock().set(START);
      }
    });
  });
}

/** The flow up to the callback URL (the code not yet exchanged). */
async function signInWithAuthorization(
  t: OidcTestApp,
  chip: VirtualChip,
  auth: Awaited<ReturnType<typeof authorizationUrl>>,
): Promise<URL> {
  const browser = new Browser();
  const { url: interaction } = await browser.follow(auth.url.href, t.issuer);
  const login = await browser.fetch(`${interaction}/login`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify(await cardAnswer(browser, interaction, chip)),
  });
  const consent = await browser.follow(((await login.json()) as { redirectTo: string }).redirectTo, t.issuer);
  const confirm = await browser.fetch(`${consent.url}/confirm`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ items: [] }),
  });
  const back = await browser.follow(((await confirm.json()) as { redirectTo: string }).redirectTo, t.issuer);
  return new URL(back.url);
}
