import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { chipScenarioBundle, type ScenarioResult } from './support/chip-scenario.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : process.env['CI']
    ? false // in CI the launch below fails loudly instead
    : `${CHROMIUM} is missing: apt-get install chromium to run the browser test (it runs in CI)`;

/** The same chip, in a real browser (Debian's Chromium), from a page on localhost. */
describe('the chip in Chromium', { skip }, () => {
  it('personalizes, signs with a key made inside it, saves and reopens', async () => {
    const code = await chipScenarioBundle();
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><meta charset="utf-8"><script>${code}</script>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      assert.equal(await page.evaluate('typeof Buffer + typeof process'), 'undefinedundefined');
      const result = (await page.evaluate('scenario()')) as ScenarioResult;
      assert.deepEqual(result, { valid: true, number: '123456789018', length: 256 });
    } finally {
      await browser.close();
      server.close();
    }
  });
});
