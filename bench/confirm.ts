/**
 * Online qualification confirmation end to end over HTTP (issue 5): per confirmation the
 * clinic asks for a challenge, the patient's card signs it (outside the timed path), and
 * the server verifies the card's signature, reads the certificate's status now, maps
 * card → resident → the insurer's pseudonym → the enrolment, reads the register's four
 * items (with their access record) and writes the durable access record and the
 * confirmation row. Against two baselines of the same server in the same run: a minimal
 * route and a route that verifies one RSA-2048 signature (bench/baselines.ts).
 */
import { join } from 'node:path';
import type autocannon from 'autocannon';
import sharp from 'sharp';
import { answerChallenge } from '../src/card/index.ts';
import { VirtualChip } from '../src/chip/index.ts';
import { type Actor, fixedClock, jstDate } from '../src/core/index.ts';
import { generateTown, residentsToCsv } from '../src/demo/index.ts';
import { loadConfig, openSystem, type System } from '../src/server/index.ts';
import {
  cannon,
  MINIMAL_REQUEST,
  type Phase,
  serveWithBaselines,
  startBenchServer,
  VERIFY_ONLY_REQUEST,
} from './baselines.ts';
import { fmt, line, median, percentile } from './lib.ts';

const NOW = '2026-11-29T00:00:00Z';
const PIN = '1234';
const INSURER = '01130012';
/** Receptionists' requests in flight (the issue's figure). */
const CONNECTIONS = 50;
const ROUNDS = 3;
/** Confirmations per round; each needs one chip signature (about 7 ms, untimed). */
const CONFIRMATIONS = 2000;
const BASELINE_REQUESTS = 10_000;
/** Patients with a card and an enrolment; the confirmations go round them. */
const PATIENTS = 16;

const actor: Actor = { id: 'bench', role: 'system', purpose: 'bench' };
const config = (dataDir: string) =>
  loadConfig({ MYNA_DATA_DIR: dataDir, LOG_LEVEL: 'silent', MYNA_RATE_LIMIT: '1000000' });

/** The server under test (a child process): the real application plus the baselines. */
export async function serveConfirmBench(dataDir: string): Promise<void> {
  await serveWithBaselines(config(dataDir), NOW);
}

interface Patient {
  readonly chip: VirtualChip;
  readonly certificate: string;
}

/** The register (residents from the synthetic town), an insurer, a clinic, patients with cards and enrolments. */
async function seed(system: System, residents: number): Promise<{ patients: Patient[]; token: string }> {
  process.stderr.write(`confirm: generating and importing ${fmt(residents)} residents…\n`);
  const started = performance.now();
  const town = generateTown({
    seed: 11,
    count: residents,
    municipalityCode: '132039',
    municipalityName: '武蔵野市',
    prefecture: '東京都',
    today: jstDate(new Date(NOW)),
  });
  const csv = Buffer.from([...residentsToCsv(town)].join(''));
  const report = await system.registry.import(csv, { actor, encoding: 'utf-8', parallel: 'auto' });
  process.stderr.write(
    `confirm: register of ${fmt((await system.registry.count()).active)} residents in ${fmt((performance.now() - started) / 1000, 1)} s (${fmt(report.registered)} imported)\n`,
  );
  const insurerInstitution = await system.institutions.create({
    kind: 'insurer',
    code: INSURER,
    name: '協会けんぽ 東京',
  });
  await system.insurance.insurers.register({ institutionId: insurerInstitution.id });
  const officer: Actor = {
    id: 'bench-officer',
    role: 'insurer-officer',
    institutionId: insurerInstitution.id,
    purpose: 'enrolment',
  };
  const clinic = await system.institutions.create({
    kind: 'medical',
    code: '1319999990',
    name: 'Bench clinic',
  });
  const token = (await system.staff.issue('bench reception', 'clinic-receptionist', clinic.id)).token;
  const photo = await sharp({ create: { width: 480, height: 600, channels: 3, background: '#c8b4a0' } })
    .jpeg()
    .toBuffer();
  const patients: Patient[] = [];
  for (let i = 0; i < PATIENTS; i++) {
    const four = {
      familyName: '弁地',
      givenName: `患者${String.fromCharCode(0x4e00 + i)}`,
      birthDate: `1970-01-${String(i + 1).padStart(2, '0')}`,
      sex: i % 2 === 0 ? 'female' : 'male',
      address: `東京都千代田区霞が関9丁目${i + 1}番1号`,
    };
    const outcome = await system.registry.register({ municipalityCode: '131016', ...four }, actor);
    if (outcome.kind !== 'registered') throw new Error('bench patient not registered');
    const number = await system.registry.revealNumber(outcome.residentId, actor);
    const application = await system.cards.applications.apply({ number, birthDate: four.birthDate, photo });
    await system.cards.applications.decide(application.id, { approve: true }, actor);
    const card = await system.cards.cards.produce(application.id, actor);
    await system.cards.cards.markReady(card.id, actor);
    const issued = await system.cards.cards.handOver(
      card.id,
      { identityConfirmed: true, pins: { signature: 'BENCH2026', authentication: PIN, text: '5678' } },
      actor,
    );
    const enrolled = await system.insurance.enrolments.submit(
      INSURER,
      {
        symbol: 'ベンチ',
        number: String(1000 + i),
        branch: '00',
        relation: 'self',
        cardClassification: '01',
        copayRatio: 30,
        qualificationDate: '2020-04-01',
        highCostCategory: 'A03',
        ...four,
      },
      officer,
    );
    if (enrolled.outcome !== 'linked') throw new Error(`bench enrolment not linked: ${enrolled.outcome}`);
    const chip = await VirtualChip.open(issued.cardFile, issued.cardKey);
    const { certificate } = await answerChallenge(chip, PIN, Buffer.from('warm-up'));
    patients.push({ chip, certificate: Buffer.from(certificate).toString('base64') });
  }
  return { patients, token };
}

type Challenge = { challengeId: string; message: string };

/** Challenges (timed), the chips' answers (untimed), then the confirmations (timed). */
async function confirmations(
  base: string,
  token: string,
  patients: Patient[],
  n: number,
): Promise<{ challenge: Phase; confirm: Phase }> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const challenges: Challenge[] = [];
  // A connection may build one request it never sends: spare challenges cover that.
  const challenge = await cannon(
    base,
    n + CONNECTIONS,
    {
      method: 'POST',
      path: '/v1/clinic/challenge',
      headers,
      body: '{}',
      onResponse: (status, body) => {
        if (status === 200) challenges.push(JSON.parse(body) as Challenge);
      },
    },
    CONNECTIONS,
  );
  const bodies: string[] = [];
  for (const [i, c] of challenges.entries()) {
    const p = patients[i % patients.length]!;
    const a = await answerChallenge(p.chip, PIN, Buffer.from(c.message, 'base64'));
    bodies.push(
      JSON.stringify({
        mode: 'pin',
        challengeId: c.challengeId,
        certificate: p.certificate,
        signature: Buffer.from(a.signature).toString('base64'),
      }),
    );
  }
  let next = 0;
  const confirm = await cannon(
    base,
    n,
    {
      method: 'POST',
      path: '/v1/clinic/confirmations',
      headers,
      setupRequest: (request) => ({ ...request, body: bodies[next++] }),
    },
    CONNECTIONS,
  );
  return { challenge, confirm };
}

export async function benchConfirm(dir: string, residents: number): Promise<void> {
  const dataDir = join(dir, 'confirm');
  const system = await openSystem(config(dataDir), fixedClock(NOW));
  let seeded: Awaited<ReturnType<typeof seed>>;
  try {
    seeded = await seed(system, residents);
  } finally {
    await system.close();
  }
  const { patients, token } = seeded;
  process.stdout.write(
    `\n## Qualification confirmation over HTTP (${fmt(residents)}-resident register, server in its own process, ${CONNECTIONS} in flight)\n`,
  );
  const server = await startBenchServer(import.meta.url, 'serveConfirmBench', dataDir);
  try {
    const { base } = server;
    const visualRequest: autocannon.Request = {
      method: 'POST',
      path: '/v1/clinic/confirmations',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        mode: 'visual',
        certificate: patients[0]!.certificate,
        comparedWithPhoto: true,
      }),
    };
    // Warm-up: every route once through the JIT and the caches.
    await confirmations(base, token, patients, 300);
    await cannon(base, 2000, MINIMAL_REQUEST, CONNECTIONS);
    await cannon(base, 2000, VERIFY_ONLY_REQUEST, CONNECTIONS);
    await cannon(base, 500, visualRequest, CONNECTIONS);

    type Round = { challenge: Phase; confirm: Phase; minimal: Phase; verifyOnly: Phase; visual: Phase };
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const c = await confirmations(base, token, patients, CONFIRMATIONS);
      const minimal = await cannon(base, BASELINE_REQUESTS, MINIMAL_REQUEST, CONNECTIONS);
      const verifyOnly = await cannon(base, BASELINE_REQUESTS, VERIFY_ONLY_REQUEST, CONNECTIONS);
      const visual = await cannon(base, CONFIRMATIONS, visualRequest, CONNECTIONS);
      rounds.push({ ...c, minimal, verifyOnly, visual });
    }
    const med = (f: (x: Round) => number) => median(rounds.map(f));
    const pooled = (f: (x: Round) => Phase) => rounds.flatMap((x) => f(x).latencies).sort((a, b) => a - b);
    const p = (sorted: number[]) =>
      `${fmt(percentile(sorted, 50), 1)} / ${fmt(percentile(sorted, 99), 1)} ms`;
    // One PIN confirmation is a challenge and a confirmation: its rate combines both phases.
    const pinRate = (x: Round) => 1 / (1 / x.challenge.rate + 1 / x.confirm.rate);

    line('minimal route (baseline)', `${fmt(med((x) => x.minimal.rate))} /s`);
    line('verify one RSA-2048 signature (baseline)', `${fmt(med((x) => x.verifyOnly.rate))} /s`);
    line('  p50 / p99', p(pooled((x) => x.verifyOnly)));
    line(
      'confirmation step (pin: verify, status, eligibility, records)',
      `${fmt(med((x) => x.confirm.rate))} /s`,
      {
        value: med((x) => x.confirm.rate / x.verifyOnly.rate),
        against: 'verify-only route',
        goal: '≥ 0.50, ≥ 5,000/s',
      },
    );
    line('  p50 / p99', p(pooled((x) => x.confirm)), undefined);
    line('PIN confirmations incl. their challenge', `${fmt(med(pinRate))} /s`, {
      value: med((x) => pinRate(x) / x.verifyOnly.rate),
      against: 'verify-only route',
    });
    line('  challenge p50 / p99', p(pooled((x) => x.challenge)));
    line('visual confirmations (certificate status, no signature)', `${fmt(med((x) => x.visual.rate))} /s`, {
      value: med((x) => x.visual.rate / x.verifyOnly.rate),
      against: 'verify-only route',
    });
    line('  p50 / p99', p(pooled((x) => x.visual)));
    const cpu = (f: (x: Round) => Phase) => med((x) => f(x).serverCpu);
    process.stdout.write('server CPU time per request (user + system, all threads):\n');
    line('  minimal route', `${fmt(cpu((x) => x.minimal))} µs`);
    line('  verify-only route', `${fmt(cpu((x) => x.verifyOnly))} µs`);
    line('  challenge', `${fmt(cpu((x) => x.challenge))} µs`);
    line('  confirmation (pin)', `${fmt(cpu((x) => x.confirm))} µs`);
    line('  confirmation (visual)', `${fmt(cpu((x) => x.visual))} µs`);
  } finally {
    await server.stop();
  }
}
