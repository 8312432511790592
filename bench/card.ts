import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, sign as rawSign, verify as rawVerify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { signDocument } from '../src/card/index.ts';
import { createCardClient, VirtualChip } from '../src/chip/index.ts';
import type { Actor } from '../src/core/index.ts';
import { fixedClock } from '../src/core/index.ts';
import { toPem } from '../src/pki/index.ts';
import { loadConfig, openSystem, type System } from '../src/server/index.ts';
import { fmt, line, median } from './lib.ts';

const actor: Actor = { id: 'bench', role: 'system', purpose: 'bench' };
const PINS = { signature: 'BENCH2026', authentication: '1234', text: '5678' };

/**
 * Operations per second of `fn`, run for about `ms` milliseconds by `parallel` callers
 * (a server has many requests in flight; signing runs on the thread pool meanwhile).
 */
async function rate(ms: number, fn: (i: number) => unknown, parallel = 1): Promise<number> {
  const start = performance.now();
  let n = 0;
  const worker = async () => {
    while (performance.now() - start < ms) await fn(n++);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return n / ((performance.now() - start) / 1000);
}

/** Interleaved rounds, median of each side: the machine's noise hits both alike. */
async function versus(
  rounds: number,
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<[number, number]> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    as.push(await a());
    bs.push(await b());
  }
  return [median(as), median(bs)];
}

async function residentsWithApprovedApplications(
  system: System,
  n: number,
  birthDate: string,
): Promise<string[]> {
  const photo = await sharp({ create: { width: 480, height: 600, channels: 3, background: '#c8b4a0' } })
    .jpeg()
    .toBuffer();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const outcome = await system.registry.register(
      {
        municipalityCode: '131016',
        familyName: 'ベンチ',
        givenName: `太郎${i}`,
        birthDate,
        sex: 'male',
        address: `東京都千代田区霞が関1丁目${i + 1}番`,
      },
      actor,
    );
    if (outcome.kind !== 'registered') throw new Error('bench resident not registered');
    const number = await system.registry.revealNumber(outcome.residentId, actor);
    const app = await system.cards.applications.apply({ number, birthDate, photo });
    await system.cards.applications.decide(app.id, { approve: true }, actor);
    ids.push(app.id);
  }
  return ids;
}

/**
 * The responder as a client sees it: `myna serve` in its own process on the same data,
 * loaded by autocannon from this one (one core each), POSTing a request without nonce.
 */
async function ocspOverHttp(dataDir: string, request: Buffer): Promise<number> {
  const server = spawn(process.execPath, ['bin/myna.mjs', 'serve'], {
    env: { ...process.env, MYNA_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /API\s+(http:\/\/[^/\s]+)\//.exec(out);
        if (m) resolve(m[1]!);
      });
      server.once('exit', () => reject(new Error(`the server stopped: ${out}`)));
    });
    const run = (duration: number) =>
      autocannon({
        url: `${url}/pki/ocsp`,
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request' },
        body: request,
        connections: 32,
        pipelining: 4,
        duration,
      });
    await run(2);
    const result = await run(8);
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`OCSP over HTTP failed: ${result.non2xx} non-2xx`);
    return result.requests.average;
  } finally {
    server.kill('SIGTERM');
  }
}

export async function benchCards(dir: string): Promise<void> {
  const clock = fixedClock('2026-11-29T00:00:00Z');
  const system = await openSystem(
    loadConfig({ MYNA_DATA_DIR: join(dir, 'card'), LOG_LEVEL: 'silent' }),
    clock,
  );
  try {
    // ── Cards produced per second, against raw RSA-2048 key generation ─────
    process.stdout.write('\n## Cards\n');
    const cards = 12;
    const applications = await residentsWithApprovedApplications(system, cards * 2 + 1, '1985-06-15');
    let next = 0;
    const produceOne = async () => {
      const card = await system.cards.cards.produce(applications[next++]!, actor);
      await system.cards.cards.markReady(card.id, actor);
      return system.cards.cards.handOver(card.id, { identityConfirmed: true, pins: PINS }, actor);
    };
    const subtle = globalThis.crypto.subtle;
    const keygen = () =>
      subtle.generateKey(
        {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        },
        true,
        ['sign', 'verify'],
      );
    const [cardRate, keyRate] = await versus(
      2,
      async () => {
        const start = performance.now();
        for (let i = 0; i < cards; i++) await produceOne();
        return cards / ((performance.now() - start) / 1000);
      },
      () => rate(3000, keygen),
    );
    line('cards produced + handed over (2 keys, 2 certs)', `${fmt(cardRate, 2)} /s`);
    line('raw RSA-2048 key pair generation', `${fmt(keyRate, 2)} /s`);
    line('cards per second vs key pairs per second ÷ 2', `${fmt(cardRate / (keyRate / 2), 2)}`, {
      value: cardRate / (keyRate / 2),
      against: 'two raw key pairs',
      goal: '≈ 1 (key generation dominates)',
    });

    // ── OCSP responses per second, against one raw signature with the CA key ──
    process.stdout.write('\n## OCSP\n');
    const last = await produceOne();
    const chip = await VirtualChip.open(last.cardFile, last.cardKey);
    const client = createCardClient(chip);
    const leaf = join(dir, 'leaf.pem');
    const ca = join(dir, 'ca.pem');
    writeFileSync(leaf, toPem(await client.readCertificate('authentication')));
    writeFileSync(ca, toPem(await system.pki.caCertificate('authentication')));
    execFileSync('openssl', [
      'ocsp',
      '-issuer',
      ca,
      '-cert',
      leaf,
      '-reqout',
      join(dir, 'plain.der'),
      '-no_nonce',
    ]);
    execFileSync('openssl', ['ocsp', '-issuer', ca, '-cert', leaf, '-reqout', join(dir, 'nonce.der')]);
    const plain = readFileSync(join(dir, 'plain.der'));
    const nonce = readFileSync(join(dir, 'nonce.der'));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const tbs = Buffer.alloc(600, 7);
    const [cached, signOnce] = await versus(
      5,
      () => rate(1500, () => system.pki.ocsp(plain)),
      () => rate(1500, () => rawSign('sha256', tbs, privateKey)),
    );
    const [fresh] = await versus(
      3,
      () => rate(1500, () => system.pki.ocsp(nonce), 16),
      async () => 0,
    );
    line('raw RSA-2048 signature (baseline)', `${fmt(signOnce)} /s`);
    line('OCSP, no nonce (pre-signed, cached)', `${fmt(cached)} /s`, {
      value: cached / signOnce,
      against: 'one raw signature',
      goal: '≥ 20,000/s',
    });
    line('OCSP, with nonce (signed per request, 16 in flight)', `${fmt(fresh)} /s`, {
      value: fresh / signOnce,
      against: 'one raw signature',
    });
    const http = await ocspOverHttp(join(dir, 'card'), plain);
    line('OCSP over HTTP (server process, loopback)', `${fmt(http)} /s`, {
      value: http / signOnce,
      against: 'one raw signature',
      goal: '≥ 20,000/s',
    });

    // ── CMS verifications per second, against raw RSA-2048 verify ─────────
    process.stdout.write('\n## Document signatures\n');
    const content = Buffer.from('契約書 / contract\n'.repeat(100));
    const signature = await signDocument(chip, PINS.signature, content, clock.now());
    const message = Buffer.alloc(64, 1);
    const { publicKey, privateKey: k } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const raw = rawSign('sha256', message, k);
    const [cms, verifyOnce] = await versus(
      5,
      () => rate(1500, () => system.cards.verifySignature(signature, content)),
      () => rate(1500, () => rawVerify('sha256', message, publicKey, raw)),
    );
    line('raw RSA-2048 verify (baseline)', `${fmt(verifyOnce)} /s`);
    line('CMS verify (chain, status at signing time, content)', `${fmt(cms)} /s`, {
      value: cms / verifyOnce,
      against: 'one raw verify',
    });
  } finally {
    await system.close();
  }
}
