import { type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Capabilities, Store } from './database.ts';

/**
 * A migration owned by one domain. Names sort globally (`0001-registry-…`), so the
 * order is the same on every machine and in both dialects.
 */
export interface DomainMigration {
  readonly name: string;
  up(db: Store['db'], capabilities: Capabilities): Promise<void>;
  down?(db: Store['db'], capabilities: Capabilities): Promise<void>;
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** Runs every pending migration in order; each runs in its own transaction. */
export async function migrate(store: Store, migrations: readonly DomainMigration[]): Promise<string[]> {
  const names = new Set<string>();
  for (const m of migrations) {
    if (names.has(m.name)) throw new MigrationError(`two migrations are named ${m.name}`);
    names.add(m.name);
  }
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of migrations) {
        const down = m.down;
        out[m.name] = {
          up: (db) => m.up(db as Store['db'], store.capabilities),
          ...(down === undefined ? {} : { down: (db) => down(db as Store['db'], store.capabilities) }),
        };
      }
      return out;
    },
  };
  // On PostgreSQL the migrator must look in the schema we work in: otherwise it sees
  // another schema's migration tables (other tenants, parallel tests) as ours.
  let schema: string | undefined;
  if (store.capabilities.dialect === 'postgres') {
    const r = await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db);
    schema = r.rows[0]?.schema;
  }
  const migrator = new Migrator({
    db: store.db,
    provider,
    migrationTableName: 'schema_migration',
    migrationLockTableName: 'schema_migration_lock',
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  // Kysely checks for its own tables by listing every table of the database; on
  // PostgreSQL a schema dropped meanwhile by another tenant (or a parallel test) makes
  // that listing fail (42P01 or 3F000) before any migration ran. That is safe to retry.
  let { error, results } = await migrator.migrateToLatest();
  for (let attempt = 1; attempt <= 5 && nothingRan(results) && isVanishedRelation(error); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function nothingRan(results: readonly { status: string }[] | undefined): boolean {
  return results === undefined || results.every((r) => r.status === 'NotExecuted');
}

/** undefined_table or invalid_schema_name: something another connection just dropped. */
function isVanishedRelation(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === '42P01' || code === '3F000';
}
