import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runInContext } from 'node:vm';
import { chromium } from 'playwright-core';
import { VirtualChip } from '../src/chip/index.ts';
import { DEMO_LIBRARY_CLIENT_ID, registerDemoLibrary } from '../src/server/oidc-demo-library.ts';
import { issueCard, PINS } from './support/cards.ts';
import { browserLikeContext } from './support/chip-scenario.ts';
import {
  authorizationUrl,
  Browser,
  cardAnswer,
  createOidcTestApp,
  JSON_HEADERS,
  type OidcTestApp,
  type Rp,
  registerRp,
} from './support/oidc.ts';

type Card = Awaited<ReturnType<typeof issueCard>>;

const CHROMIUM = '/usr/bin/chromium';
const noChromium =
  existsSync(CHROMIUM) || process.env['CI']
    ? false
    : `${CHROMIUM} is missing: apt-get install chromium to run the browser test (it runs in CI)`;

/** The sign-in pages, the browser chip they run, and the demo library, on the real app. */
describe('the sign-in pages and the demo library', () => {
  let t: OidcTestApp;
  let card: Card;
  let rp: Rp;
  before(async () => {
    t = await createOidcTestApp('sqlite');
    card = await issueCard(t, { givenName: '六郎', birthDate: '1995-03-03' });
    rp = await registerRp(t, {
      name: 'Shop <b>&</b>',
      nameJa: '商店<script>alert(1)</script>',
      allowedClaims: ['over_18', 'name'],
      redirectUri: 'https://shop.example/cb',
    });
  });
  after(() => t?.dispose());

  const toInteraction = async (browser: Browser, scope = 'openid over_18 name') => {
    const auth = await authorizationUrl(rp, scope);
    const { url } = await browser.follow(auth.url.href, t.issuer, { headers: { accept: 'text/html' } });
    return { url, auth };
  };

  it('shows the card step as a page: Japanese first, names escaped, strict CSP, the chip script', async () => {
    const browser = new Browser();
    const { url } = await toInteraction(browser);
    const r = await browser.fetch(url, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /form-action 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    const html = await r.text();
    assert.match(html, /<html lang="ja">/);
    assert.match(html, /マイナンバーカードでサインイン/);
    assert.match(html, /Sign in with your My Number card/);
    assert.ok(html.includes('商店&lt;script&gt;alert(1)&lt;/script&gt;'), 'the Japanese name, escaped');
    assert.ok(html.includes('Shop &lt;b&gt;&amp;&lt;/b&gt;'), 'the English name, escaped');
    assert.ok(!html.includes('<script>alert(1)'), 'nothing unescaped');
    assert.match(html, /<script src="\/assets\/chip\.js"><\/script>/);
    assert.match(html, /type="password" inputmode="numeric"/);
  });

  it('serves the chip for the browser, and that bundle signs a sign-in the server accepts', async () => {
    const r = await fetch(`${t.issuer}/assets/chip.js`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /javascript/);
    const code = await r.text();
    assert.ok(!/require\(["']node:/.test(code), 'no Node built-in in the bundle');
    const { sandbox, context } = browserLikeContext();
    runInContext(code, context);
    assert.equal(runInContext('typeof Buffer + typeof process', context), 'undefinedundefined');
    // What the page's script does: open the card with its key, read the certificate, sign.
    const browser = new Browser();
    const { url } = await toInteraction(browser);
    const c = (await (
      await browser.fetch(`${url}/challenge`, { method: 'POST', headers: JSON_HEADERS, body: '{}' })
    ).json()) as { challengeId: string; message: string };
    sandbox['input'] = {
      card: new Uint8Array(card.cardFile),
      key: new Uint8Array(card.cardKey),
      message: new Uint8Array(Buffer.from(c.message, 'base64')),
      pin: PINS.authentication,
    };
    const signed = (await runInContext(
      `(async () => {
        const chip = await MynaChip.VirtualChip.open(input.card, input.key);
        const card = MynaChip.createCardClient(chip);
        const certificate = await card.readCertificate('authentication');
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input.message));
        const signature = await card.sign('authentication', input.pin, MynaChip.digestInfoSha256(digest));
        return { certificate, signature };
      })()`,
      context,
    )) as { certificate: Uint8Array; signature: Uint8Array };
    const login = await browser.fetch(`${url}/login`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({
        challengeId: c.challengeId,
        certificate: Buffer.from(signed.certificate).toString('base64'),
        signature: Buffer.from(signed.signature).toString('base64'),
      }),
    });
    assert.equal(login.status, 200, await login.clone().text());
  });

  it('shows consent as a plain form (nothing ticked in advance) that works without script', async () => {
    const browser = new Browser();
    const chip = await VirtualChip.open(card.cardFile, card.cardKey);
    const { url, auth } = await toInteraction(browser);
    const login = await browser.fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/html' },
      body: JSON.stringify(await cardAnswer(browser, url, chip)),
    });
    assert.equal(login.status, 303, 'a page request is redirected');
    const consent = await browser.follow(new URL(login.headers.get('location')!, url).href, t.issuer, {
      headers: { accept: 'text/html' },
    });
    assert.equal(consent.response.status, 200);
    const csp = consent.response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /form-action 'self' https:\/\/shop\.example/, 'the form may end at the service');
    const html = await consent.response.text();
    assert.match(html, /情報提供への同意/);
    const boxes = [...html.matchAll(/<input type="checkbox"[^>]*>/g)].map((m) => m[0]);
    assert.deepEqual(boxes, [
      '<input type="checkbox" name="items" value="name">',
      '<input type="checkbox" name="items" value="over_18">',
    ]);
    assert.match(html, /18歳以上かどうか/);
    assert.match(html, /action="\/oidc\/interaction\/[A-Za-z0-9_-]+\/confirm"/);
    const confirm = await browser.fetch(`${consent.url}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: 'items=over_18',
    });
    assert.equal(confirm.status, 303);
    const back = await browser.follow(new URL(confirm.headers.get('location')!, url).href, t.issuer);
    const callback = new URL(back.url);
    assert.equal(callback.origin + callback.pathname, rp.redirectUri);
    assert.equal(callback.searchParams.get('state'), auth.state);
    assert.ok(callback.searchParams.get('code'));
  });

  it('shows errors as pages with their stable code, and the provider’s errors too', async () => {
    let r = await fetch(`${t.issuer}/oidc/interaction/unknown`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await r.text(), /OIDC_INTERACTION_NOT_FOUND/);
    r = await fetch(`${t.issuer}/oidc/interaction/unknown/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: 'items=over_18',
    });
    assert.equal(r.status, 404);
    assert.match(await r.text(), /サインインできませんでした/);
    const auth = await authorizationUrl(rp, 'openid');
    auth.url.searchParams.set('redirect_uri', 'https://elsewhere.example/cb');
    r = await fetch(auth.url, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('location'), null);
    const html = await r.text();
    assert.match(html, /invalid_redirect_uri/);
    assert.match(html, /<html lang="ja">/);
  });

  it('signs out through the library’s end-session endpoint, on our pages', async () => {
    const browser = new Browser();
    const chip = await VirtualChip.open(card.cardFile, card.cardKey);
    const { url } = await toInteraction(browser, 'openid');
    const login = await browser.fetch(`${url}/login`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(await cardAnswer(browser, url, chip)),
    });
    assert.equal(login.status, 200);
    await browser.follow(((await login.json()) as { redirectTo: string }).redirectTo, t.issuer);
    let r = await browser.fetch(`${t.issuer}/oidc/session/end?client_id=${rp.clientId}`, {
      headers: { accept: 'text/html' },
    });
    assert.equal(r.status, 200);
    const html = await r.text();
    assert.match(html, /サインアウトしますか/);
    const form = /<form[^>]*action="([^"]+)"[^>]*>[\s\S]*?name="xsrf" value="([^"]+)"/.exec(html);
    assert.ok(form, html);
    r = await browser.fetch(new URL(form[1]!, t.issuer).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ xsrf: form[2]!, logout: 'yes' }).toString(),
    });
    const done = await browser.follow(new URL(r.headers.get('location')!, t.issuer).href, t.issuer, {
      headers: { accept: 'text/html' },
    });
    assert.equal(done.response.status, 200);
    assert.match(await done.response.text(), /サインアウトしました/);
  });

  it('runs the demo library: registered once, it asks only for over_18 and shows the member id', async () => {
    const before = await fetch(`${t.issuer}/demo/library`, { headers: { accept: 'text/html' } });
    assert.equal(before.status, 404);
    assert.match(await before.text(), /OIDC_DEMO_NOT_SET_UP/);
    const first = await registerDemoLibrary(t.system);
    const second = await registerDemoLibrary(t.system);
    assert.deepEqual(first, { clientId: DEMO_LIBRARY_CLIENT_ID, url: `${t.issuer}/demo/library` });
    assert.deepEqual(second, first);
    const demo = (await t.system.oidc.clients.list()).filter((c) => c.clientId === DEMO_LIBRARY_CLIENT_ID);
    assert.equal(demo.length, 1);
    assert.deepEqual(demo[0]!.allowedClaims, ['over_18']);
    assert.deepEqual(demo[0]!.redirectUris, [`${t.issuer}/demo/library/callback`]);

    const browser = new Browser();
    const start = await browser.fetch(`${t.issuer}/demo/library`, { headers: { accept: 'text/html' } });
    assert.equal(start.status, 200);
    assert.match(start.headers.get('set-cookie') ?? '', /demo_library_flow=.*HttpOnly/i);
    const page = await start.text();
    assert.match(page, /図書館カードを作る \/ Sign in with My Number card/);
    const href = /<a class="button" href="([^"]+)"/.exec(page)![1]!.replaceAll('&amp;', '&');
    const authorization = new URL(href);
    assert.equal(authorization.searchParams.get('scope'), 'openid over_18');
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorization.searchParams.get('state'));
    const chip = await VirtualChip.open(card.cardFile, card.cardKey);
    const { url } = await browser.follow(href, t.issuer);
    const login = await browser.fetch(`${url}/login`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(await cardAnswer(browser, url, chip)),
    });
    const consent = await browser.follow(
      ((await login.json()) as { redirectTo: string }).redirectTo,
      t.issuer,
    );
    const view = (await (await browser.fetch(consent.url, { headers: JSON_HEADERS })).json()) as {
      items: string[];
      client: { nameJa: string };
    };
    assert.deepEqual(view.items, ['over_18']);
    assert.equal(view.client.nameJa, '市立図書館（デモ）');
    const confirm = await browser.fetch(`${consent.url}/confirm`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ items: ['over_18'] }),
    });
    const back = await browser.follow(
      ((await confirm.json()) as { redirectTo: string }).redirectTo,
      t.issuer,
    );
    assert.match(back.url, /\/demo\/library\/callback\?/);
    assert.equal(back.response.status, 200);
    const result = await back.response.text();
    assert.match(result, /over 18: <strong>はい \/ yes<\/strong>/);
    const member = /Library member id: <code>([^<]+)<\/code>/.exec(result)?.[1];
    assert.match(member ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok(!result.includes(card.residentId));
    // Without the flow cookie (another browser), the callback refuses.
    const stranger = await fetch(back.url, { headers: { accept: 'text/html' } });
    assert.equal(stranger.status, 400);
    assert.match(await stranger.text(), /OIDC_DEMO_CALLBACK_FAILED/);
  });

  it('signs in through the real pages in Chromium: card file, key file and PIN, then consent', {
    skip: noChromium,
  }, async () => {
    await registerDemoLibrary(t.system);
    const dir = mkdtempSync(join(tmpdir(), 'myna-oidc-card-'));
    const cardPath = join(dir, 'demo-card.card');
    writeFileSync(cardPath, card.cardFile);
    writeFileSync(
      `${cardPath}.key`,
      `${JSON.stringify({ cardKey: card.cardKey.toString('base64url'), securityCode: card.securityCode })}\n`,
    );
    const chromiumBrowser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await chromiumBrowser.newPage();
      await page.goto(`${t.issuer}/demo/library`);
      await page.click('text=図書館カードを作る');
      await page.waitForSelector('#login');
      await page.setInputFiles('#card', cardPath);
      await page.setInputFiles('#key', `${cardPath}.key`);
      // A wrong PIN first: the chip refuses in the browser and says how many tries are left.
      await page.fill('#pin', '0000');
      await page.click('#submit');
      await page.waitForSelector('#status.error');
      assert.match((await page.textContent('#status')) ?? '', /CHIP_PIN_WRONG/);
      assert.ok(await page.isVisible('#save'), 'the changed card can be saved');
      await page.fill('#pin', PINS.authentication);
      await page.click('#submit');
      await page.waitForSelector('text=情報提供への同意', { timeout: 15_000 });
      await page.check('input[value="over_18"]');
      await page.click('text=同意して続ける');
      await page.waitForSelector('text=図書館カードを作りました', { timeout: 15_000 });
      assert.match((await page.content()) ?? '', /はい \/ yes/);
    } finally {
      await chromiumBrowser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
