import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type DialectName, openStore, type Store } from '../../src/store/index.ts';

/**
 * Every storage test runs against SQLite and PostgreSQL. PostgreSQL is taken from
 * DATABASE_URL (default: the local test database). Outside CI a missing PostgreSQL
 * skips its half with a reason; in CI it fails, so both dialects are always proven.
 */
export const PG_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgReachable: Promise<boolean> | undefined;
export function postgresAvailable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return pgReachable;
}

export interface TestStore {
  readonly store: Store;
  readonly dialect: DialectName;
  /** The SQLite file (for scanning its bytes), when the dialect is SQLite. */
  readonly sqliteFile?: string;
  dispose(): Promise<void>;
}

export async function createTestStore(dialect: DialectName): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'myna-test-'));
    const sqliteFile = join(dir, 'myna.db');
    const store = openStore({ sqlitePath: sqliteFile });
    return {
      store,
      dialect,
      sqliteFile,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const store = openStore({ databaseUrl: PG_URL, sqlitePath: '', pgSchema: schema, pgPoolSize: 4 });
  return {
    store,
    dialect,
    async dispose() {
      await store.close();
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}

/** Which dialects to run, and for a skipped one, why. */
export async function dialects(): Promise<{ dialect: DialectName; skip: string | false }[]> {
  const pgOk = await postgresAvailable();
  let skip: string | false = false;
  if (!pgOk) {
    if (process.env['CI']) {
      throw new Error(`PostgreSQL is not reachable at ${PG_URL}, and CI must test both dialects`);
    }
    skip = `PostgreSQL not reachable at ${PG_URL} (set DATABASE_URL); runs in CI`;
  }
  return [
    { dialect: 'sqlite', skip: false },
    { dialect: 'postgres', skip },
  ];
}
