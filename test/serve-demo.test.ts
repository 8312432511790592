import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

/** `npm start` is `myna serve --demo`: it must start, say where to go, and hand out a demo card. */
describe('myna serve --demo (the first command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myna-serve-'));
  const env = { ...process.env, MYNA_DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: '' };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts on SQLite with a demo town, CA fingerprints, staff credentials and a working demo card', async () => {
    const child = spawn(process.execPath, ['bin/myna.mjs', 'serve', '--demo', '--demo-residents', '400'], {
      env,
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start banner:\n${out}\n${err}`)), 90_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (/Apply online/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}\n${err}`)));
      });
      const base = /API\s+(http:\/\/[^/\s]+)\//.exec(out)![1]!;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.match(err, /root\s+SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
      assert.match(out, /clerk\s+myna_[0-9a-f]{32}\./);
      const card = join(dir, 'demo-card.card');
      assert.ok(existsSync(card) && existsSync(`${card}.key`));
      const queue = await fetch(`${base}/v1/card-applications?status=applied`, {
        headers: {
          authorization: `Bearer ${/clerk\s+(myna_\S+)/.exec(out)![1]}`,
          'x-myna-purpose': 'card-review',
        },
      });
      assert.equal(((await queue.json()) as { applications: unknown[] }).applications.length, 2);
      const signed = spawnSync(
        process.execPath,
        ['bin/myna.mjs', 'card', 'sign', '--card', card, '--in', 'README.md', '--out', join(dir, 'r.p7s')],
        { env: { ...env, MYNA_SIGNATURE_PASSWORD: 'DEMO2026' }, encoding: 'utf8' },
      );
      assert.equal(signed.status, 0, signed.stderr);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
