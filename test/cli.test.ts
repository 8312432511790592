import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'myna-cli-'));
const env = { ...process.env, MYNA_DATA_DIR: dir, LOG_LEVEL: 'silent', DATABASE_URL: '' };

function myna(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/myna.mjs', ...args], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('myna CLI', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints help with its commands and environment', () => {
    const r = myna('--help');
    assert.equal(r.status, 0);
    for (const word of ['serve', 'demo', 'import', 'number', 'staff', 'DATABASE_URL', 'PORT'])
      assert.match(r.stdout, new RegExp(word));
  });

  it('validates numbers: exit 0 when valid, 1 with the reason when not', () => {
    assert.deepEqual([myna('number', 'validate', '6214', '9832', '0257').status], [0]);
    const fullWidth = myna('number', 'validate', '６２１４-９８３２-０２５７');
    assert.equal(fullWidth.status, 0);
    assert.match(fullWidth.stdout, /621498320257/);
    const bad = myna('number', 'validate', '621498320255');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /NUMBER_CHECK_DIGIT/);
    assert.match(bad.stderr, /7/);
    assert.equal(myna('number', 'validate', '--corporate', '7000012050002').status, 0);
    const corp = myna('number', 'validate', '--corporate', '8000012050002');
    assert.equal(corp.status, 1);
    assert.match(corp.stderr, /CORPORATE_NUMBER_CHECK_DIGIT/);
  });

  it('imports a CSV file, reporting bad lines and exiting 1 when some were rejected', () => {
    const file = join(dir, 'residents.csv');
    writeFileSync(
      file,
      [
        'local_id,municipality_code,family_name,given_name,birth_date,sex,address',
        'C-1,131016,中村,一,1980-01-01,1,東京都千代田区1-1',
        'C-2,131016,中村,二,1980-02-30,1,東京都千代田区1-1',
      ].join('\n'),
    );
    const r = myna('import', 'residents', file);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /2 rows: 1 registered, 0 held for review, 1 rejected/);
    assert.match(r.stderr, /line 3: DATE_IMPOSSIBLE/);
    const missing = myna('import', 'residents', join(dir, 'nope.csv'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /Cannot read/);
  });

  it('registers institutions, grants roles, and issues, rotates and revokes machine credentials; secrets are never stored', () => {
    const clinic = myna(
      'institution',
      'add',
      '--kind',
      'medical',
      '--name',
      'Test clinic',
      '--code',
      '1311234567',
    );
    assert.equal(clinic.status, 0, clinic.stderr);
    const clinicId = (JSON.parse(clinic.stdout) as { id: string }).id;
    const badCode = myna(
      'institution',
      'add',
      '--kind',
      'business',
      '--name',
      'x',
      '--code',
      '7000012050003',
    );
    assert.equal(badCode.status, 1);
    assert.match(badCode.stderr, /AUTH_INSTITUTION_CODE/);
    const wrongRole = myna('staff', 'add', '--label', 'desk', '--role', 'clerk', '--institution', clinicId);
    assert.equal(wrongRole.status, 1);
    assert.match(wrongRole.stderr, /AUTH_ROLE_NOT_FOR_INSTITUTION/);
    const grant = myna(
      'staff',
      'grant',
      '--label',
      'front desk',
      '--role',
      'clinic-receptionist',
      '--institution',
      clinicId,
    );
    assert.equal(grant.status, 0, grant.stderr);
    assert.match(grant.stdout, /code {2}[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4} /);
    assert.match(myna('staff', 'grants', '--institution', clinicId).stdout, /"status": "pending"/);

    const added = myna(
      'staff',
      'add',
      '--label',
      'reception system',
      '--role',
      'clinic-receptionist',
      '--institution',
      clinicId,
    );
    assert.equal(added.status, 0, added.stderr);
    const first = /token (myna_\S+)/.exec(added.stdout)?.[1];
    const rotated = myna(
      'staff',
      'rotate',
      /id\s+(\S+)/.exec(added.stdout)?.[1] ?? 'missing',
      '--grace',
      '60',
    );
    assert.equal(rotated.status, 0, rotated.stderr);
    const second = /token (myna_\S+)/.exec(rotated.stdout)?.[1];
    assert.ok(first && second && first !== second);
    assert.match(rotated.stdout, /old secret valid until 20/);
    assert.ok(!myna('staff', 'list').stdout.includes(second!.split('.')[1]!));
  });

  it('issues, lists and revokes staff credentials; the secret is never stored', () => {
    const added = myna('staff', 'add', '--label', 'audit desk', '--role', 'auditor');
    assert.equal(added.status, 0, added.stderr);
    const token = /token (myna_\S+)/.exec(added.stdout)?.[1];
    assert.ok(token);
    const id = /id\s+(\S+)/.exec(added.stdout)?.[1] ?? 'missing';
    assert.match(myna('staff', 'list').stdout, new RegExp(id));
    assert.ok(!myna('staff', 'list').stdout.includes(token!.split('.')[1]!));
    assert.equal(myna('staff', 'revoke', id).status, 0);
    const again = myna('staff', 'revoke', id);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /AUTH_CREDENTIAL_NOT_FOUND/);
    const badRole = myna('staff', 'add', '--label', 'x', '--role', 'admin');
    assert.notEqual(badRole.status, 0);
  });

  it('registers, changes and audits a resident from the console', () => {
    const person = join(dir, 'person.json');
    writeFileSync(
      person,
      JSON.stringify({
        municipalityCode: '131016',
        familyName: '石井',
        givenName: '蘭',
        birthDate: '2001-08-08',
        sex: 'female',
        address: '東京都千代田区麹町1-1',
      }),
    );
    const reg = myna('resident', 'register', person);
    assert.equal(reg.status, 0, reg.stderr);
    const { residentId } = JSON.parse(reg.stdout) as { residentId: string };
    const move = join(dir, 'move.json');
    writeFileSync(
      move,
      JSON.stringify({
        kind: 'move',
        effectiveDate: '2026-01-10',
        changes: { address: '東京都千代田区麹町2-2' },
      }),
    );
    const moved = myna('resident', 'event', residentId, move);
    assert.equal(moved.status, 0, moved.stderr);
    assert.equal((JSON.parse(moved.stdout) as { address: string }).address, '東京都千代田区麹町2-2');
    const number = myna('resident', 'reveal-number', residentId).stdout.trim();
    assert.match(number, /^\d{12}$/);
    const reassigned = myna('resident', 'reassign-number', residentId, '--reason', 'leak');
    assert.equal(reassigned.status, 0, reassigned.stderr);
    assert.notEqual(myna('resident', 'reveal-number', residentId).stdout.trim(), number);
    const audit = JSON.parse(myna('access-records', '--resident', residentId).stdout) as { action: string }[];
    assert.deepEqual(
      audit.map((a) => a.action),
      ['create', 'update', 'reveal-number', 'reassign-number', 'reveal-number'],
    );
    writeFileSync(move, '[1, 2]');
    const bad = myna('resident', 'event', residentId, move);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /CLI_INVALID_JSON/);
  });

  it('fails with a clear message on bad configuration', () => {
    const r = spawnSync(process.execPath, ['bin/myna.mjs', 'migrate'], {
      env: { ...env, PORT: 'eighty' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /PORT must be a whole number/);
  });
});
