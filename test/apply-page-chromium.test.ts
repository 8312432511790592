import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { createTestApp, type TestApp } from './support/app.ts';
import { portrait } from './support/cards.ts';
import { clerk, person } from './support/registry.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip =
  existsSync(CHROMIUM) || process.env['CI']
    ? false
    : `${CHROMIUM} is missing: apt-get install chromium to run the browser test (it runs in CI)`;

/** A resident opens the letter's QR link in a real browser and applies with a photo. */
describe('the online application page in Chromium', { skip }, () => {
  let t: TestApp;
  let browser: Browser;
  let base = '';
  before(async () => {
    t = await createTestApp('sqlite');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    await t?.dispose();
  });

  it('applies with the code from the QR link and a photo, then shows the status', async () => {
    const outcome = await t.system.registry.register(
      person({ givenName: '九郎', birthDate: '1979-09-09' }),
      clerk,
    );
    const residentId = outcome.kind === 'registered' ? outcome.residentId : '';
    let code = '';
    for await (const i of t.system.cards.applications.invite({ actor: clerk }))
      if (i.resident.id === residentId) code = i.code;
    const page = await browser.newPage();
    await page.goto(`${base}/apply#${code}`);
    assert.equal(await page.inputValue('#code'), code, 'the code comes from the QR link');
    await page.setInputFiles('#photo', {
      name: 'face.jpg',
      mimeType: 'image/jpeg',
      buffer: await portrait(),
    });
    await page.fill('#email', 'kuro@example.jp');
    await page.click('#submit');
    await page.waitForSelector('#result.ok', { timeout: 15_000 });
    assert.match((await page.textContent('#result')) ?? '', /申請を受け付けました/);
    const applications = await t.system.cards.applications.list({ status: 'applied', limit: 10 });
    assert.equal(applications.filter((a) => a.residentId === residentId).length, 1);
    await page.click('summary');
    await page.click('#status button');
    await page.waitForFunction("document.querySelector('#result').textContent.includes('受付済')");
    // A second try is refused with the stable code, shown to the resident.
    await page.click('#submit');
    await page.waitForSelector('#result.error');
    assert.match((await page.textContent('#result')) ?? '', /CARD_APPLICATION_EXISTS/);
  });
});
