import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { Institution } from '../../src/auth/index.ts';
import { fixedClock, type StaffRole } from '../../src/core/index.ts';
import { buildApp, loadConfig, openSystem, type System } from '../../src/server/index.ts';
import type { DialectName } from '../../src/store/index.ts';
import { PG_URL } from './stores.ts';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly system: System;
  readonly dir: string;
  /** A machine credential for every role, each at an institution of a fitting kind. */
  readonly tokens: Record<StaffRole, string>;
  /** The institutions those credentials belong to. */
  readonly institutions: Record<
    'town' | 'clinic' | 'insurer' | 'licensing' | 'business' | 'service',
    Institution
  >;
  /** Everything the server logged so far. */
  log(): string;
  dispose(): Promise<void>;
}

/** A whole Myna (key file, database, server) in a temporary folder. */
export async function createTestApp(
  dialect: DialectName = 'sqlite',
  env: Record<string, string> = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'myna-app-'));
  let schema: string | undefined;
  let databaseUrl: string | undefined;
  if (dialect === 'postgres') {
    schema = `app_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`create schema ${schema}`);
    await c.end();
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = url.toString();
  }
  const config = loadConfig({
    MYNA_DATA_DIR: dir,
    LOG_LEVEL: 'info',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
  const system = await openSystem(config, fixedClock('2026-04-01T03:00:00Z'));
  let logged = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    logged += chunk.toString('utf8');
  });
  const app = await buildApp(system, { logStream: stream });
  const institutions = await testInstitutions(system);
  const issue = async (role: StaffRole, at?: Institution) =>
    (await system.staff.issue(`test ${role}`, role, at?.id)).token;
  const tokens: Record<StaffRole, string> = {
    clerk: await issue('clerk', institutions.town),
    supervisor: await issue('supervisor', institutions.town),
    auditor: await issue('auditor'),
    operator: await issue('operator'),
    'clinic-receptionist': await issue('clinic-receptionist', institutions.clinic),
    'insurer-officer': await issue('insurer-officer', institutions.insurer),
    'licensing-officer': await issue('licensing-officer', institutions.licensing),
    'business-user': await issue('business-user', institutions.business),
    'relying-party': await issue('relying-party', institutions.service),
  };
  return {
    app,
    system,
    dir,
    tokens,
    institutions,
    log: () => logged,
    async dispose() {
      await app.close();
      await system.close();
      rmSync(dir, { recursive: true, force: true });
      if (schema !== undefined) {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`drop schema ${schema} cascade`);
        await c.end();
      }
    },
  };
}

/** One institution of each kind (the town is Musashino, seeded with the register). */
export async function testInstitutions(system: System): Promise<TestApp['institutions']> {
  const town = await system.institutions.byCode('municipality', '132039');
  if (town === undefined) throw new Error('the seeded municipality 132039 is missing');
  return {
    town,
    clinic: await system.institutions.create({ kind: 'medical', code: '1311234567', name: 'Test clinic' }),
    insurer: await system.institutions.create({ kind: 'insurer', code: '01130012', name: 'Test insurer' }),
    licensing: await system.institutions.create({
      kind: 'licensing',
      code: '13',
      name: 'Test licensing authority',
    }),
    business: await system.institutions.create({
      kind: 'business',
      code: '7000012050002',
      name: 'Test business',
    }),
    service: await system.institutions.create({ kind: 'service', name: 'Test service' }),
  };
}

export function staffHeaders(token: string, purpose = 'counter-service'): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'x-myna-purpose': purpose };
}
