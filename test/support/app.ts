import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { fixedClock } from '../../src/core/index.ts';
import { buildApp, loadConfig, openSystem, type System } from '../../src/server/index.ts';
import type { DialectName } from '../../src/store/index.ts';
import { PG_URL } from './stores.ts';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly system: System;
  readonly dir: string;
  readonly tokens: { clerk: string; supervisor: string; auditor: string };
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
  const tokens = {
    clerk: (await system.staff.issue('test clerk', 'clerk')).token,
    supervisor: (await system.staff.issue('test supervisor', 'supervisor')).token,
    auditor: (await system.staff.issue('test auditor', 'auditor')).token,
  };
  return {
    app,
    system,
    dir,
    tokens,
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

export function staffHeaders(token: string, purpose = 'counter-service'): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'x-myna-purpose': purpose };
}
