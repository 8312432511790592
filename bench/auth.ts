import { generateKeyPairSync, randomBytes, sign, verify, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import sharp from 'sharp';
import { answerChallenge } from '../src/card/index.ts';
import { VirtualChip } from '../src/chip/index.ts';
import type { Actor } from '../src/core/index.ts';
import { fixedClock } from '../src/core/index.ts';
import { loadConfig, openSystem, type System } from '../src/server/index.ts';
import {
  MINIMAL_REQUEST,
  type Phase,
  serveWithBaselines,
  cannon as sharedCannon,
  startBenchServer,
  VERIFY_ONLY_REQUEST,
} from './baselines.ts';
import { fmt, latencies, line, median, percentile } from './lib.ts';

const actor: Actor = { id: 'bench', role: 'system', purpose: 'bench' };
const AUDIENCE = 'https://bench.example';
const PIN = '1234';
const NOW = '2026-11-29T00:00:00Z';
/** Requests in flight, as many browsers signing in at once. */
const CONNECTIONS = 16;
const ROUNDS = 3;
/** Sign-ins per round. The virtual chip signs each answer in about 7 ms (untimed). */
const SIGN_INS = 1000;
/** Requests per round on each baseline route. */
const BASELINE_REQUESTS = 6000;

const config = (dataDir: string) =>
  loadConfig({ MYNA_DATA_DIR: dataDir, LOG_LEVEL: 'silent', MYNA_RATE_LIMIT: '1000000' });

type Answer = { challengeId: string; audience: string; certificate: string; signature: string };
type Challenge = { challengeId: string; audience: string; message: string };

/**
 * The server under test, in its own process: the real application on the bench's data,
 * plus the two baseline routes. Started by {@link benchAuth}; prints its port.
 */
export async function serveAuthBench(dataDir: string): Promise<void> {
  await serveWithBaselines(config(dataDir), NOW);
}

/** Starts {@link serveAuthBench} in a child process (`MYNA_BENCH_CPU_PROF=dir` profiles it). */
const startServer = (dataDir: string) => startBenchServer(import.meta.url, 'serveAuthBench', dataDir);

/** `amount` requests from autocannon, {@link CONNECTIONS} in flight. */
const cannon = (base: string, amount: number, request: autocannon.Request): Promise<Phase> =>
  sharedCannon(base, amount, request, CONNECTIONS);

const json = { 'content-type': 'application/json' };

/** Challenges (timed), the chip's answers (not timed), then the verifications (timed). */
async function signIns(
  base: string,
  chip: VirtualChip,
  n: number,
): Promise<{ challenge: Phase; verify: Phase }> {
  const challenges: Challenge[] = [];
  // A connection may build one request it never sends: a few spare challenges cover that.
  const challenge = await cannon(base, n + CONNECTIONS, {
    method: 'POST',
    path: '/v1/auth/card/challenge',
    headers: json,
    body: JSON.stringify({ audience: AUDIENCE }),
    onResponse: (status, body) => {
      if (status === 200) challenges.push(JSON.parse(body) as Challenge);
    },
  });
  const answers: Answer[] = [];
  for (const c of challenges) {
    const a = await answerChallenge(chip, PIN, Buffer.from(c.message, 'base64'));
    answers.push({
      challengeId: c.challengeId,
      audience: c.audience,
      certificate: Buffer.from(a.certificate).toString('base64'),
      signature: Buffer.from(a.signature).toString('base64'),
    });
  }
  let next = 0;
  const verify = await cannon(base, n, {
    method: 'POST',
    path: '/v1/auth/card/verify',
    headers: json,
    setupRequest: (request) => ({ ...request, body: JSON.stringify(answers[next++]) }),
  });
  return { challenge, verify };
}

/** Microseconds per call, median of three runs of `count` sequential calls. */
async function perCall(count: number, call: (i: number) => unknown): Promise<number> {
  const runs: number[] = [];
  let offset = 0;
  for (let r = 0; r < 3; r++) {
    const sorted = await latencies(count, r === 0 ? Math.min(50, count) : 0, (i) => call(offset + i));
    offset += count + (r === 0 ? Math.min(50, count) : 0);
    runs.push(sorted.reduce((a, b) => a + b, 0) / sorted.length);
  }
  return median(runs);
}

/**
 * The storage work of one sign-in as bare prepared statements on a second connection to
 * the same SQLite file, opened as src/store opens it: insert a challenge, read the CA's
 * record, use the challenge, read the card, insert a session (a copy of one, so every
 * column and index is as the server writes it). µs per sign-in.
 */
async function rawStorage(
  file: string,
  serial: string,
  cardId: string,
  count: number,
): Promise<{ total: number; each: number[] }> {
  const db = new SQLite(file);
  try {
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -262144');
    db.pragma('mmap_size = 1073741824');
    const columns = (db.prepare('pragma table_info(auth_session)').all() as { name: string }[])
      .map((c) => c.name)
      .filter((c) => c !== 'id');
    const template = (db.prepare('select id from auth_session limit 1').get() as { id: string }).id;
    const insertChallenge = db.prepare(
      'insert into auth_card_challenge (id, audience, created_at, expires_at, used_at) values (?, ?, ?, ?, null)',
    );
    const record = db.prepare('select * from pki_certificate where serial = ?');
    const use = db.prepare(
      'update auth_card_challenge set used_at = ? where id = ? and audience = ? and used_at is null and expires_at > ?',
    );
    const card = db.prepare('select * from card where id = ?');
    const session = db.prepare(
      `insert into auth_session (id, ${columns.join(', ')}) select ?, ${columns.join(', ')} from auth_session where id = ?`,
    );
    const now = new Date(NOW).toISOString();
    const later = new Date(Date.parse(NOW) + 120_000).toISOString();
    // Each statement's share, over the same calls.
    const spent = [0, 0, 0, 0, 0];
    let calls = 0;
    const timed = (k: number, f: () => unknown) => {
      const t0 = performance.now();
      f();
      spent[k]! += performance.now() - t0;
    };
    const total = await perCall(count, (i) => {
      const id = `raw-${i}-${randomBytes(16).toString('hex')}`;
      calls++;
      timed(0, () => insertChallenge.run(id, AUDIENCE, now, later));
      timed(1, () => record.get(serial));
      timed(2, () => {
        if (use.run(now, id, AUDIENCE, now).changes !== 1) throw new Error('raw challenge not used');
      });
      timed(3, () => card.get(cardId));
      timed(4, () => session.run(`raw-${randomBytes(32).toString('hex')}`, template));
    });
    return { total, each: spent.map((ms) => (ms * 1000) / calls) };
  } finally {
    db.close();
  }
}

/**
 * What the server does for one sign-in, stage by stage, in this process without HTTP
 * (sequential calls, µs each): where a sign-in's time goes beside its two requests.
 */
async function stages(system: System, chip: VirtualChip): Promise<void> {
  process.stdout.write('\n## Card sign-in, server-side stages (in process, no HTTP, sequential)\n');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const message = Buffer.alloc(80, 7);
  const signature = sign('sha256', message, privateKey);
  const count = 100;
  const answered = async (n: number) => {
    const made = await Promise.all(Array.from({ length: n }, () => system.cardAuth.challenge(AUDIENCE)));
    const out: { challengeId: string; audience: string; certificate: Uint8Array; signature: Uint8Array }[] =
      [];
    for (const c of made) {
      const a = await answerChallenge(chip, PIN, c.message);
      out.push({ challengeId: c.challengeId, audience: c.audience, ...a });
    }
    return out;
  };
  // perCall makes 3 × count calls after 50 unmeasured ones.
  const forVerify = await answered(count * 3 + 51);
  const forSignIn = await answered(count * 3 + 50);
  const der = forVerify[0]!.certificate;
  const ca = new X509Certificate(await system.pki.caCertificate('authentication'));
  const who = await system.cardAuth.verify(forVerify[0]!);
  const raw = await perCall(2000, () => verify('sha256', message, publicKey, signature));
  const rows: [string, number][] = [
    [
      'X.509 parse + chain check (first sign-in only)',
      await perCall(500, () => {
        const c = new X509Certificate(der);
        return c.checkIssued(ca) && c.verify(ca.publicKey);
      }),
    ],
    ['challenge (insert)', await perCall(500, () => system.cardAuth.challenge(AUDIENCE))],
    [
      'verify (record, signature, use challenge)',
      await perCall(count, (i) => system.cardAuth.verify(forVerify[1 + i]!)),
    ],
    ['  of which the CA record (status now)', await perCall(500, () => system.pki.certificate(who.serial))],
    ['card look-up (cards.get)', await perCall(500, () => system.cards.cards.get(who.cardId))],
    [
      'session start (insert)',
      await perCall(500, () => system.sessions.start({ residentId: 'bench', cardId: who.cardId })),
    ],
    [
      'one whole sign-in (all of the above)',
      await perCall(count, async (i) => {
        await system.cardAuth.challenge(AUDIENCE);
        const w = await system.cardAuth.verify(forSignIn[i]!);
        const card = await system.cards.cards.get(w.cardId);
        await system.sessions.start({ residentId: card.residentId, cardId: w.cardId });
      }),
    ],
  ];
  const bare = await rawStorage(system.config.sqlitePath, who.serial, who.cardId, 500);
  rows.push(['  its storage alone, bare SQLite statements', bare.total]);
  const parts = ['insert challenge', 'read CA record', 'use challenge', 'read card', 'insert session'];
  for (const [k, label] of parts.entries()) rows.push([`    ${label}`, bare.each[k]!]);
  line('raw RSA-2048 verify (baseline)', `${fmt(raw, 1)} µs`);
  for (const [label, us] of rows)
    line(label, `${fmt(us, 1)} µs`, { value: us / raw, against: 'raw verify (×)' });
}

/**
 * Card sign-in end to end over HTTP: challenge, (the chip signs, outside the timed path),
 * verify with chain, CA record, status and a new session. The server runs in its own
 * process, loaded by autocannon from this one (one core each), so the figures are the
 * server's; baselines on the same server in the same run, interleaved in rounds: a
 * minimal route, and a route that only verifies one RSA-2048 signature.
 */
export async function benchAuth(dir: string): Promise<void> {
  const dataDir = join(dir, 'auth');
  const system = await openSystem(config(dataDir), fixedClock(NOW));
  let chip: VirtualChip;
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
      { identityConfirmed: true, pins: { signature: 'BENCH2026', authentication: PIN, text: '5678' } },
      actor,
    );
    chip = await VirtualChip.open(issued.cardFile, issued.cardKey);
    await stages(system, chip);
  } finally {
    await system.close();
  }

  process.stdout.write(
    `\n## Card sign-in over HTTP (server in its own process, ${CONNECTIONS} requests in flight)\n`,
  );
  const server = await startServer(dataDir);
  try {
    const { base } = server;
    const minimalRequest = MINIMAL_REQUEST;
    const verifyOnlyRequest = VERIFY_ONLY_REQUEST;
    // Warm-up: every route once through the JIT and the caches.
    await signIns(base, chip, 200);
    await cannon(base, 2000, minimalRequest);
    await cannon(base, 2000, verifyOnlyRequest);

    const rounds: { challenge: Phase; verify: Phase; minimal: Phase; verifyOnly: Phase }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const s = await signIns(base, chip, SIGN_INS);
      const minimal = await cannon(base, BASELINE_REQUESTS, minimalRequest);
      const verifyOnly = await cannon(base, BASELINE_REQUESTS, verifyOnlyRequest);
      rounds.push({ ...s, minimal, verifyOnly });
    }
    // One sign-in is a challenge and a verification: its rate combines both phases.
    const signInRate = (x: (typeof rounds)[number]) => 1 / (1 / x.challenge.rate + 1 / x.verify.rate);
    const ceilingRate = (x: (typeof rounds)[number]) => 1 / (1 / x.minimal.rate + 1 / x.verifyOnly.rate);
    const med = (f: (x: (typeof rounds)[number]) => number) => median(rounds.map(f));
    const pooled = (f: (x: (typeof rounds)[number]) => Phase) =>
      rounds.flatMap((x) => f(x).latencies).sort((a, b) => a - b);
    const p = (sorted: number[]) =>
      `${fmt(percentile(sorted, 50), 1)} / ${fmt(percentile(sorted, 99), 1)} ms`;
    const ch = pooled((x) => x.challenge);
    const ve = pooled((x) => x.verify);

    line('minimal route (baseline)', `${fmt(med((x) => x.minimal.rate))} /s`);
    line('verify one RSA-2048 signature (baseline)', `${fmt(med((x) => x.verifyOnly.rate))} /s`);
    line('  p50 / p99', p(pooled((x) => x.verifyOnly)));
    line('two requests that do nothing else (ceiling)', `${fmt(med(ceilingRate))} /s`, {
      value: med((x) => ceilingRate(x) / x.verifyOnly.rate),
      against: 'verify-only route',
    });
    line('card sign-ins (challenge + verify + session)', `${fmt(med(signInRate))} /s`, {
      value: med((x) => signInRate(x) / x.verifyOnly.rate),
      against: 'verify-only route',
      goal: '≥ 0.60',
    });
    line('  the same against the two-request ceiling', '', {
      value: med((x) => signInRate(x) / ceilingRate(x)),
      against: 'ceiling',
    });
    line('  challenge p50 / p99', p(ch));
    line('  verify p50 / p99', p(ve));
    line('  p99 challenge + p99 verify', `${fmt(percentile(ch, 99) + percentile(ve, 99), 1)} ms`);
    line('  challenge step alone', `${fmt(med((x) => x.challenge.rate))} /s`, {
      value: med((x) => x.challenge.rate / x.minimal.rate),
      against: 'minimal route',
    });
    line('  verify step alone', `${fmt(med((x) => x.verify.rate))} /s`, {
      value: med((x) => x.verify.rate / x.verifyOnly.rate),
      against: 'verify-only route',
    });
    // The client is a process of its own but shares the machine: the server's own CPU
    // time per request is the figure that does not depend on how fast the client is.
    const cpu = (f: (x: (typeof rounds)[number]) => Phase) => med((x) => f(x).serverCpu);
    process.stdout.write('server CPU time per request (user + system, all threads):\n');
    line('  minimal route', `${fmt(cpu((x) => x.minimal))} µs`);
    line('  verify-only route', `${fmt(cpu((x) => x.verifyOnly))} µs`);
    line('  challenge', `${fmt(cpu((x) => x.challenge))} µs`);
    line('  verify (record, status, signature, session)', `${fmt(cpu((x) => x.verify))} µs`);
    line('  one sign-in against one verify-only request', '', {
      value: med((x) => x.verifyOnly.serverCpu / (x.challenge.serverCpu + x.verify.serverCpu)),
      against: 'verify-only route (CPU)',
    });
  } finally {
    await server.stop();
  }
}
