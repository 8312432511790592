import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { seedDemo } from '../src/cli/demo.ts';
import { createTestApp, staffHeaders, type TestApp } from './support/app.ts';

/**
 * What the design promises about where personal data may be, checked on the bytes:
 * numbers exist only sealed in the vault; names and addresses only in the register's
 * own tables; logs hold ids only.
 */
describe('privacy of stored and logged data', () => {
  let t: TestApp;
  const numbers: string[] = [];
  let people: { name: string; given: string; address: string }[] = [];

  before(async () => {
    t = await createTestApp('sqlite');
    await seedDemo(t.system, { residents: 300, seed: 11 });
    const db = new SQLite(t.system.config.sqlitePath, { readonly: true });
    const rows = db
      .prepare(
        'select id, family_name, given_name, address from resident where given_name is not null order by id limit 40',
      )
      .all() as {
      id: string;
      family_name: string;
      given_name: string;
      address: string;
    }[];
    db.close();
    people = rows.map((r) => ({ name: r.family_name, given: r.given_name, address: r.address }));
    for (const r of rows.slice(0, 20)) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/residents/${r.id}/number/reveal`,
        headers: staffHeaders(t.tokens.clerk),
      });
      numbers.push((res.json() as { number: string }).number);
      await t.app.inject({
        method: 'POST',
        url: '/v1/residents/search',
        headers: staffHeaders(t.tokens.clerk),
        payload: { number: numbers.at(-1) },
      });
      await t.app.inject({
        method: 'POST',
        url: `/v1/residents/${r.id}/events`,
        headers: staffHeaders(t.tokens.clerk),
        payload: { kind: 'move', effectiveDate: '2026-03-01', changes: { address: `${r.address}の2` } },
      });
    }
    await t.system.store.close();
  });
  after(() => t?.dispose());

  it('no individual number appears anywhere in the database files', () => {
    assert.equal(numbers.length, 20);
    const files = readdirSync(t.dir).filter((f) => f.startsWith('myna.db'));
    assert.ok(files.includes('myna.db'));
    for (const file of files) {
      const bytes = readFileSync(join(t.dir, file));
      for (const n of numbers) {
        for (const form of [
          n,
          `${n.slice(0, 4)} ${n.slice(4, 8)} ${n.slice(8)}`,
          Buffer.from(n, 'utf16le').toString('latin1'),
        ]) {
          assert.ok(!bytes.includes(Buffer.from(form, 'latin1')), `${file} holds a number`);
        }
      }
    }
  });

  it('names and addresses stay in the register tables; audit and outbox hold ids only', () => {
    const db = new SQLite(t.system.config.sqlitePath, { readonly: true });
    const dump = (table: string): string => JSON.stringify(db.prepare(`select * from ${table}`).all());
    const outside = ['access_record', 'outbox_event', 'number_vault', 'staff_credential']
      .map(dump)
      .join('\n');
    assert.ok(
      dump('access_record').length > 1000 && dump('outbox_event').length > 100,
      'the tables were written',
    );
    for (const p of people) {
      for (const secret of [`${p.name}${p.given}`, p.given, p.address])
        assert.ok(!outside.includes(secret), `found ${secret}`);
    }
    db.close();
  });

  it('the server log holds no number, name or address', () => {
    const log = t.log();
    assert.ok(log.split('\n').length > 60);
    for (const n of numbers) assert.ok(!log.includes(n) && !log.includes(n.slice(-8)), 'number in log');
    for (const p of people.slice(0, 20)) {
      for (const secret of [p.given, p.address, `${p.name}${p.given}`])
        assert.ok(!log.includes(secret), `log holds ${secret}`);
    }
  });

  it('the key file is readable by its owner only', () => {
    const mode = readdirSync(join(t.dir, 'keys')).map((f) => statSync(join(t.dir, 'keys', f)).mode & 0o777);
    assert.deepEqual(mode, [0o600]);
  });
});
