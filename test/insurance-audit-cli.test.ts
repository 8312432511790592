import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { sql } from 'kysely';
import { registerInsuranceCommands } from '../src/cli/insurance-commands.ts';
import type { Actor } from '../src/core/index.ts';
import type { System } from '../src/server/index.ts';
import { createTestApp, type TestApp } from './support/app.ts';
import { clerk, person } from './support/registry.ts';

/** `myna insurance audit`: the sweep from the command line, with its progress and exit status. */
describe('myna insurance audit', () => {
  let t: TestApp;
  let out = '';
  const run = async (...args: string[]): Promise<unknown> => {
    out = '';
    const program = new Command('myna').exitOverride();
    registerInsuranceCommands(program, {
      withSystem: <T>(fn: (s: System) => Promise<T>) => fn(t.system),
      print: (v) => {
        out += JSON.stringify(v);
      },
    });
    await program.parseAsync(['node', 'myna', ...args]);
    return JSON.parse(out);
  };

  before(async () => {
    t = await createTestApp('sqlite');
    await t.system.insurance.insurers.register({ institutionId: t.institutions.insurer.id });
    const officer: Actor = {
      id: 'officer',
      role: 'insurer-officer',
      purpose: 'insurance-enrolment',
      institutionId: t.institutions.insurer.id,
    };
    for (const [i, given] of ['一', '二', '三'].entries()) {
      const p = person({ givenName: given, givenNameKana: undefined, birthDate: `1970-01-0${i + 1}` });
      await t.system.registry.register(p, clerk);
      const out = await t.system.insurance.enrolments.submit(
        '01130012',
        {
          ...p,
          symbol: 'A',
          number: String(i + 1),
          branch: '00',
          relation: 'self',
          cardClassification: '01',
          copayRatio: 30,
          qualificationDate: '2026-04-01',
        },
        officer,
      );
      assert.equal(out.outcome, 'linked');
    }
  });
  after(() => t?.dispose());

  it('reports nothing on a clean register, and a corrupted link when there is one', async () => {
    assert.deepEqual(await run('insurance', 'audit'), { checked: 3, suspect: [] });
    const [first, second] = await t.system.network
      .linksOf((await t.system.registry.activeIds({ limit: 10 }))[0]!)
      .then(async (l) => [l[0]!, (await t.system.registry.activeIds({ limit: 10 }))[1]!] as const);
    const wrong = await t.system.network.pseudonymOf(first.institutionId, second);
    await sql`update enrolment set pseudonym = ${wrong} where pseudonym = ${first.pseudonym}`.execute(
      t.system.store.db,
    );
    const report = (await run('insurance', 'audit', '--strict')) as { suspect: { reasons: string[] }[] };
    assert.equal(report.suspect.length, 1);
    assert.deepEqual(report.suspect[0]!.reasons, ['items-changed-since-link']);
    assert.equal(process.exitCode, 1);
    process.exitCode = 0;
  });

  it('lists insurers and reviews without personal data', async () => {
    const insurers = (await run('insurance', 'insurers')) as { insurerNumber: string }[];
    assert.deepEqual(
      insurers.map((i) => i.insurerNumber),
      ['01130012'],
    );
    assert.deepEqual(await run('insurance', 'reviews'), []);
  });
});
