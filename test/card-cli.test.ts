import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { Actor } from '../src/core/index.ts';
import { loadConfig, openSystem } from '../src/server/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'myna-card-cli-'));
const base = { ...process.env, MYNA_DATA_DIR: dir, LOG_LEVEL: 'silent', DATABASE_URL: '' };
const PINS = { MYNA_SIGNATURE_PASSWORD: 'cli2026sign', MYNA_AUTH_PIN: '2468', MYNA_TEXT_PIN: '1357' };
const clerk: Actor = { id: 'test', role: 'clerk', purpose: 'card-application' };

function myna(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['bin/myna.mjs', ...args], {
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('myna card and pki commands', () => {
  let cardId = '';
  let number = '';
  const card = join(dir, 'hanako.card');
  before(async () => {
    assert.equal(myna(['demo', '--residents', '30']).status, 0);
    // The resident applies online (not a CLI step); the rest is the CLI's.
    const system = await openSystem(loadConfig(base));
    try {
      const adult = (await system.registry.activeIds({ limit: 30 }))[0]!;
      const resident = await system.registry.get(adult, clerk);
      number = await system.registry.revealNumber(adult, clerk);
      const photo = await sharp({ create: { width: 480, height: 640, channels: 3, background: '#a08070' } })
        .png()
        .toBuffer();
      const application = await system.cards.applications.apply({
        number,
        birthDate: resident.birthDate,
        photo,
      });
      assert.ok(application.withPhoto || resident.birthDate > '2025');
    } finally {
      await system.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the CA fingerprints of the key ceremony', () => {
    const r = myna(['pki', 'init']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /root\s+C=JP/);
    assert.equal((r.stdout.match(/SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/g) ?? []).length, 3);
    const pem = myna(['pki', 'ca', 'root']);
    assert.match(pem.stdout, /-----BEGIN CERTIFICATE-----/);
  });

  it('renders notice letters as a PDF, one page per resident, with progress on stderr', () => {
    const out = join(dir, 'letters.pdf');
    const r = myna(['card', 'letters', '--out', out, '--limit', '3']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /3 letters/);
    const pdf = readFileSync(out);
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.equal((pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length, 3);
    assert.ok(!pdf.toString('latin1').includes(number), 'no individual number on a letter');
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const each = join(dir, 'letters');
    const split = myna(['card', 'letters', '--out-dir', each, '--limit', '2']);
    assert.equal(split.status, 0, split.stderr);
    const files = readdirSync(each);
    assert.equal(files.length, 2);
    for (const f of files) {
      assert.match(f, /^[0-9a-f-]{36}\.pdf$/, 'named by resident id, nothing personal');
      assert.equal(
        (
          readFileSync(join(each, f))
            .toString('latin1')
            .match(/\/Type \/Page\b/g) ?? []
        ).length,
        1,
      );
    }
    assert.equal(myna(['card', 'letters']).status, 1, 'needs --out or --out-dir');
  });

  it('reviews, produces and hands over a card, then the holder signs and anyone verifies', () => {
    const list = myna(['card', 'applications', '--status', 'applied']);
    const [application] = JSON.parse(list.stdout) as { id: string }[];
    assert.ok(application);
    assert.equal(myna(['card', 'decide', application.id, '--decision', 'approve']).status, 0);
    const produced = myna(['card', 'produce', '--all']);
    assert.equal(produced.status, 0, produced.stderr);
    const apps = JSON.parse(myna(['card', 'applications', '--status', 'ready']).stdout) as {
      cardId: string;
    }[];
    cardId = apps[0]!.cardId;
    const unconfirmed = myna(['card', 'hand-over', cardId, '--out', card], PINS);
    assert.equal(unconfirmed.status, 1);
    assert.match(unconfirmed.stderr, /CARD_IDENTITY_NOT_CONFIRMED/);
    const noPins = myna(['card', 'hand-over', cardId, '--out', card, '--identity-confirmed']);
    assert.equal(noPins.status, 1);
    assert.match(noPins.stderr, /CLI_SECRET_REQUIRED/);
    const handed = myna(['card', 'hand-over', cardId, '--out', card, '--identity-confirmed'], PINS);
    assert.equal(handed.status, 0, handed.stderr);
    assert.equal(statSync(card).mode & 0o777, 0o600);
    assert.equal(statSync(`${card}.key`).mode & 0o777, 0o600);

    const shown = JSON.parse(myna(['card', 'show', '--card', card]).stdout) as {
      token: string;
      authentication: { subject: string };
      pins: Record<string, { triesLeft: number }>;
    };
    assert.equal(shown.token, 'JPKIAPICCTOKEN2');
    assert.doesNotMatch(shown.authentication.subject, /[^\x20-\x7e\n]/, 'nothing personal in the subject');

    const doc = join(dir, 'form.txt');
    writeFileSync(doc, '確定申告書 / tax return\n');
    const signed = myna(['card', 'sign', '--card', card, '--in', doc, '--out', `${doc}.p7s`], PINS);
    assert.equal(signed.status, 0, signed.stderr);
    const ok = myna(['verify', '--in', doc, '--signature', `${doc}.p7s`]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /"valid": true/);
    writeFileSync(join(dir, 'forged.txt'), '確定申告書 / tax refund\n');
    const forged = myna(['verify', '--in', join(dir, 'forged.txt'), '--signature', `${doc}.p7s`]);
    assert.equal(forged.status, 1);
    assert.match(forged.stderr, /CMS_CONTENT_MISMATCH/);
  });

  it('counts a wrong PIN on the card file and changes a PIN with the current one', () => {
    const wrong = myna(['card', 'sign', '--card', card, '--in', `${card}.key`, '--out', join(dir, 'x.p7s')], {
      MYNA_SIGNATURE_PASSWORD: 'WRONG999',
    });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /CHIP_PIN_WRONG.*tries left: 4/);
    const shown = JSON.parse(myna(['card', 'show', '--card', card]).stdout) as {
      pins: Record<string, { triesLeft: number }>;
    };
    assert.equal(shown.pins['signature']!.triesLeft, 4, 'the counter persisted in the card file');
    const changed = myna(['card', 'change-pin', '--card', card, '--pin', 'authentication'], {
      MYNA_CURRENT_PIN: PINS.MYNA_AUTH_PIN,
      MYNA_NEW_PIN: '9753',
    });
    assert.equal(changed.status, 0, changed.stderr);
    const old = myna(['card', 'auth', '--card', card, '--challenge', '00112233445566778899'], PINS);
    assert.equal(old.status, 1);
    const answered = myna(['card', 'auth', '--card', card, '--challenge', '00112233445566778899'], {
      MYNA_AUTH_PIN: '9753',
    });
    assert.equal(answered.status, 0, answered.stderr);
    assert.equal(
      Buffer.from((JSON.parse(answered.stdout) as { signature: string }).signature, 'base64').length,
      256,
    );
  });

  it('renders the card face from the chip: the front without the number, the back with it', () => {
    const front = myna(
      ['card', 'face', '--card', card, '--side', 'front', '--out', join(dir, 'front.svg')],
      PINS,
    );
    assert.equal(front.status, 0, front.stderr);
    const svg = readFileSync(join(dir, 'front.svg'), 'utf8');
    assert.match(svg, /<svg/);
    assert.ok(!svg.includes(number) && !svg.includes(`${number.slice(0, 4)} ${number.slice(4, 8)}`));
    const back = myna(
      ['card', 'face', '--card', card, '--side', 'back', '--out', join(dir, 'back.png')],
      PINS,
    );
    assert.equal(back.status, 0, back.stderr);
    assert.deepEqual([...readFileSync(join(dir, 'back.png')).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const svgBack = myna(
      ['card', 'face', '--card', card, '--side', 'back', '--out', join(dir, 'back.svg')],
      PINS,
    );
    assert.equal(svgBack.status, 0);
    assert.ok(
      readFileSync(join(dir, 'back.svg'), 'utf8').includes(
        `${number.slice(0, 4)} ${number.slice(4, 8)} ${number.slice(8)}`,
      ),
    );
  });

  it('suspends, resumes and revokes by card id', () => {
    assert.match(myna(['card', 'suspend', cardId]).stdout, /"status": "suspended"/);
    assert.match(myna(['card', 'resume', cardId]).stdout, /"status": "active"/);
    const bad = myna(['card', 'revoke', cardId, '--reason', 'bored']);
    assert.notEqual(bad.status, 0);
    assert.match(myna(['card', 'revoke', cardId, '--reason', 'lost']).stdout, /"status": "revoked"/);
  });
});
