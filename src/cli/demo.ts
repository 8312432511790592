import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OPERATOR_INSTITUTION_ID } from '../auth/index.ts';
import { type Actor, jstDate } from '../core/index.ts';
import { generateTown, lifeEventsFor, residentsToCsv } from '../demo/index.ts';
import type { System } from '../server/index.ts';
import { writeCard } from './card-commands.ts';

export const DEMO_TOWN = {
  municipalityCode: '132039',
  municipalityName: '武蔵野市',
  prefecture: '東京都',
} as const;

export interface DemoCredentials {
  readonly clerk: string;
  readonly supervisor: string;
  readonly auditor: string;
  readonly operator: string;
  /** A resident of the demo town to search for in the printed example. */
  readonly example?: { readonly kana: string; readonly birthDate: string };
}

const DEMO_ACTOR: Actor = { id: 'system:demo', role: 'system', purpose: 'demo-seed' };

/**
 * Seeds a synthetic town through the real import path (numbers, history and access
 * records included), then plays its life events. Does nothing if residents exist.
 */
export async function seedDemo(
  system: System,
  options: { residents: number; seed: number; onProgress?: (done: number, total: number) => void },
): Promise<{ seeded: boolean; registered: number; events: number; example?: DemoCredentials['example'] }> {
  const count = await system.registry.count();
  if (count.active + count.deceased > 0) return { seeded: false, registered: 0, events: 0 };
  const today = jstDate(system.clock.now());
  const residents = [...generateTown({ seed: options.seed, count: options.residents, today, ...DEMO_TOWN })];
  const csv = Buffer.from([...residentsToCsv(residents)].join(''));
  const report = await system.registry.import(csv, {
    actor: DEMO_ACTOR,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  const events = lifeEventsFor(residents, { seed: options.seed, today });
  const ids = await system.registry.idsByLocalId(
    DEMO_TOWN.municipalityCode,
    events.map((e) => e.localId),
  );
  let played = 0;
  for (const { localId, event } of events) {
    const id = ids.get(localId);
    if (id === undefined) continue;
    try {
      await system.registry.recordEvent(id, event, DEMO_ACTOR);
      played++;
    } catch {
      // A synthetic event may clash with an earlier one (e.g. after a death); skip it.
    }
  }
  const first = residents.find((r) => r.familyNameKana !== undefined && r.givenNameKana !== undefined);
  return {
    seeded: true,
    registered: report.registered,
    events: played,
    ...(first === undefined
      ? {}
      : { example: { kana: `${first.familyNameKana}${first.givenNameKana}`, birthDate: first.birthDate } }),
  };
}

/** Demo staff credentials, kept beside the database so every start can print them. */
export async function demoCredentials(
  system: System,
  example?: DemoCredentials['example'],
): Promise<DemoCredentials> {
  const dir =
    system.config.databaseUrl === undefined
      ? dirname(system.config.sqlitePath)
      : dirname(system.config.keyFile);
  const file = join(dir, 'demo-credentials.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials;
    const valid = await Promise.all(
      [saved.clerk, saved.supervisor, saved.auditor, saved.operator].map((t) =>
        system.staff.authenticate(String(t)).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (valid.every(Boolean)) return saved;
  }
  const town = await demoTownInstitution(system);
  const issue = async (role: 'clerk' | 'supervisor' | 'auditor' | 'operator', at?: string): Promise<string> =>
    (await system.staff.issue(`demo ${role}`, role, at)).token;
  const creds: DemoCredentials = {
    clerk: await issue('clerk', town.id),
    supervisor: await issue('supervisor', town.id),
    auditor: await issue('auditor'),
    operator: await issue('operator'),
    ...(example === undefined ? {} : { example }),
  };
  writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return creds;
}

/** The demo town's municipal office as an institution (every municipality is one). */
async function demoTownInstitution(system: System) {
  const town = await system.institutions.byCode('municipality', DEMO_TOWN.municipalityCode);
  if (town === undefined)
    throw new Error(`the demo town ${DEMO_TOWN.municipalityCode} is not an institution`);
  return town;
}

/** The PINs of the demo card (synthetic data only). */
export const DEMO_PINS = { signature: 'DEMO2026', authentication: '1234', text: '5678' } as const;

/** A face for demo applications: a drawn silhouette, not a person. */
async function demoPhoto(hue: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="420" height="540">
    <rect width="420" height="540" fill="hsl(${hue},30%,88%)"/>
    <circle cx="210" cy="200" r="95" fill="hsl(${hue},25%,45%)"/>
    <ellipse cx="210" cy="520" rx="180" ry="170" fill="hsl(${hue},25%,45%)"/></svg>`;
  const { default: sharp } = await import('sharp');
  return sharp(Buffer.from(svg)).jpeg().toBuffer();
}

/**
 * On a new demo town: one card handed over (written beside the database with its key,
 * so the card commands can be tried at once) and two applications waiting for review.
 */
export async function seedDemoCards(system: System): Promise<{ cardFile: string } | undefined> {
  const dir = dirname(
    system.config.databaseUrl === undefined ? system.config.sqlitePath : system.config.keyFile,
  );
  const cardFile = join(dir, 'demo-card.card');
  if (existsSync(cardFile)) return { cardFile };
  const today = jstDate(system.clock.now());
  const adults: string[] = [];
  for (const id of await system.registry.activeIds({
    municipalityCode: DEMO_TOWN.municipalityCode,
    limit: 200,
  })) {
    const r = await system.registry.get(id, DEMO_ACTOR);
    if (r.birthDate <= `${Number(today.slice(0, 4)) - 20}${today.slice(4)}`) adults.push(id);
    if (adults.length === 3) break;
  }
  if (adults.length < 3) return undefined;
  const applications = [];
  for (const [i, id] of adults.entries()) {
    const resident = await system.registry.get(id, DEMO_ACTOR);
    const number = await system.registry.revealNumber(id, DEMO_ACTOR);
    applications.push(
      await system.cards.applications.apply({
        number,
        birthDate: resident.birthDate,
        photo: await demoPhoto(40 * i),
      }),
    );
  }
  const first = applications[0]!;
  await system.cards.applications.decide(first.id, { approve: true }, DEMO_ACTOR);
  const card = await system.cards.cards.produce(first.id, DEMO_ACTOR);
  await system.cards.cards.markReady(card.id, DEMO_ACTOR);
  const issued = await system.cards.cards.handOver(
    card.id,
    { identityConfirmed: true, pins: DEMO_PINS },
    DEMO_ACTOR,
  );
  writeCard(cardFile, issued);
  // The demo card's holder also works at the town office and for the operator, so a
  // newcomer can sign in with it and try the staff screens.
  const town = await demoTownInstitution(system);
  await system.institutions.grants.create(
    {
      institutionId: town.id,
      role: 'clerk',
      label: 'demo card holder (counter)',
      residentId: first.residentId,
    },
    'system:demo',
  );
  await system.institutions.grants.create(
    {
      institutionId: OPERATOR_INSTITUTION_ID,
      role: 'operator',
      label: 'demo card holder (operator)',
      residentId: first.residentId,
    },
    'system:demo',
  );
  return { cardFile };
}
