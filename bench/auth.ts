import { generateKeyPairSync, sign, verify } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { answerChallenge } from '../src/card/index.ts';
import { VirtualChip } from '../src/chip/index.ts';
import type { Actor } from '../src/core/index.ts';
import { fixedClock } from '../src/core/index.ts';
import { buildApp, loadConfig, openSystem } from '../src/server/index.ts';
import { fmt, line, percentile } from './lib.ts';

const actor: Actor = { id: 'bench', role: 'system', purpose: 'bench' };

/** Runs `n` calls, `parallel` at a time; returns calls per second and sorted latencies (ms). */
async function load(n: number, parallel: number, call: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        const i = next++;
        const t0 = performance.now();
        await call(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { rate: n / ((performance.now() - start) / 1000), latencies: latencies.sort((a, b) => a - b) };
}

/**
 * Card sign-in end to end over HTTP: challenge, (the chip signs, outside the timed path),
 * verify with chain, CA record, status and a new session. Baselines on the same server in
 * the same run: a minimal route, and a route that only verifies one RSA-2048 signature.
 */
export async function benchAuth(dir: string): Promise<void> {
  process.stdout.write('\n## Card sign-in over HTTP\n');
  const system = await openSystem(
    loadConfig({ MYNA_DATA_DIR: join(dir, 'auth'), LOG_LEVEL: 'silent', MYNA_RATE_LIMIT: '1000000' }),
    fixedClock('2026-11-29T00:00:00Z'),
  );
  const app = await buildApp(system);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const message = Buffer.alloc(80, 7);
  const signature = sign('sha256', message, privateKey);
  app.get('/bench/minimal', async () => ({ ok: true }));
  app.post('/bench/verify-only', async () => ({ ok: verify('sha256', message, publicKey, signature) }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  try {
    const outcome = await system.registry.register(
      {
        municipalityCode: '131016',
        familyName: 'ベンチ',
        givenName: '花子',
        birthDate: '1990-01-01',
        sex: 'female',
        address: '東京都千代田区1',
      },
      actor,
    );
    if (outcome.kind !== 'registered') throw new Error('bench resident not registered');
    const number = await system.registry.revealNumber(outcome.residentId, actor);
    const photo = await sharp({ create: { width: 480, height: 600, channels: 3, background: '#c8b4a0' } })
      .jpeg()
      .toBuffer();
    const application = await system.cards.applications.apply({ number, birthDate: '1990-01-01', photo });
    await system.cards.applications.decide(application.id, { approve: true }, actor);
    const card = await system.cards.cards.produce(application.id, actor);
    await system.cards.cards.markReady(card.id, actor);
    const issued = await system.cards.cards.handOver(
      card.id,
      { identityConfirmed: true, pins: { signature: 'BENCH2026', authentication: '1234', text: '5678' } },
      actor,
    );
    const chip = await VirtualChip.open(issued.cardFile, issued.cardKey);
    const post = (url: string, body: unknown) =>
      fetch(`${base}${url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const n = 600;
    const parallel = 16;
    // Challenges (timed), then the chip signs each (not timed), then the verifications (timed).
    const challenges: { challengeId: string; audience: string; message: string }[] = [];
    const phase1 = await load(n, parallel, async () => {
      const r = await post('/v1/auth/card/challenge', { audience: 'https://bench.example' });
      challenges.push((await r.json()) as (typeof challenges)[number]);
    });
    const answers: Record<string, string>[] = [];
    for (const c of challenges) {
      const a = await answerChallenge(chip, '1234', Buffer.from(c.message, 'base64'));
      answers.push({
        challengeId: c.challengeId,
        audience: c.audience,
        certificate: Buffer.from(a.certificate).toString('base64'),
        signature: Buffer.from(a.signature).toString('base64'),
      });
    }
    let failed = 0;
    const phase2 = await load(n, parallel, async (i) => {
      const r = await post('/v1/auth/card/verify', answers[i]);
      if (r.status !== 200) failed++;
      await r.arrayBuffer();
    });
    if (failed > 0) throw new Error(`${failed} card sign-ins failed`);
    const minimal = await load(n * 3, parallel, async () => {
      await (await fetch(`${base}/bench/minimal`)).arrayBuffer();
    });
    const verifyOnly = await load(n * 2, parallel, async () => {
      await (await post('/bench/verify-only', {})).arrayBuffer();
    });
    // One sign-in is a challenge and a verification: its rate combines both phases.
    const signIns = 1 / (1 / phase1.rate + 1 / phase2.rate);
    const p99 = percentile(phase1.latencies, 99) + percentile(phase2.latencies, 99);
    line('minimal route (baseline)', `${fmt(minimal.rate)} /s`);
    line('verify one RSA-2048 signature (baseline)', `${fmt(verifyOnly.rate)} /s`);
    line('card sign-ins (challenge + verify + session)', `${fmt(signIns)} /s`, {
      value: signIns / verifyOnly.rate,
      against: 'verify-only route',
      goal: '≥ 0.60',
    });
    line('  p99 challenge + p99 verify', `${fmt(p99, 1)} ms`);
    line('  verify step alone', `${fmt(phase2.rate)} /s`, {
      value: phase2.rate / verifyOnly.rate,
      against: 'verify-only route',
    });
  } finally {
    await app.close();
    await system.close();
  }
}
