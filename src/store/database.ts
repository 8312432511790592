import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  Kysely,
  PostgresDialect,
  type SchemaMetadata,
  SqliteDialect,
  sql,
  type TableMetadata,
} from 'kysely';
import pg from 'pg';

/** The store knows no domain's tables; each domain narrows it with `db.withTables<…>()`. */
// biome-ignore lint/complexity/noBannedTypes: an empty schema, widened by each domain
export type AnyDb = Kysely<{}>;

export type DialectName = 'sqlite' | 'postgres';

/**
 * What differs between the dialects, as flags rather than `if (dialect === …)` checks
 * scattered through the domains.
 */
export interface Capabilities {
  readonly dialect: DialectName;
  /** Most bound parameters one statement may carry (SQLite: 32766, PostgreSQL: 65535). */
  readonly maxParameters: number;
  /**
   * SQLite only: inserts rows through cached prepared statements on the one connection.
   * Called inside a Kysely transaction (which holds that connection), the rows are part
   * of it. Building one huge statement per batch costs more than the rows themselves.
   */
  readonly insertPrepared?: (
    table: string,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
  ) => void;
}

export interface Store {
  readonly db: AnyDb;
  readonly capabilities: Capabilities;
  /** A human-readable location without credentials, for logs and the start banner. */
  readonly location: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…` selects PostgreSQL; otherwise the SQLite file below is used. */
  readonly databaseUrl?: string | undefined;
  /** SQLite file path, or `:memory:`. */
  readonly sqlitePath: string;
  /** PostgreSQL schema to work in (tests use one schema each). */
  readonly pgSchema?: string | undefined;
  readonly pgPoolSize?: number | undefined;
}

export function openStore(options: StoreOptions): Store {
  const url = options.databaseUrl;
  if (url !== undefined && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
  return openSqlite(options.sqlitePath);
}

function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only a power cut may
  // lose the last transactions, never corrupt the file.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  database.pragma('cache_size = -262144');
  database.pragma('mmap_size = 1073741824');
  // Checkpoint less often than the default 1,000 pages: bulk writes touch the same
  // index pages again and again, and each checkpoint would copy them anew.
  database.pragma('wal_autocheckpoint = 10000');
  // Kysely prepares every statement anew; SQLite's parse and plan cost more than most
  // queries here run. Statements are kept by their text (a statement still being stepped
  // through by a stream is never handed out twice).
  const prepared = new Map<string, SQLite.Statement>();
  const cached = {
    close: () => database.close(),
    prepare(text: string): SQLite.Statement {
      const hit = prepared.get(text);
      if (hit !== undefined && !hit.busy) return hit;
      const statement = database.prepare(text);
      if (hit === undefined) {
        if (prepared.size >= 1000) prepared.delete(prepared.keys().next().value as string);
        prepared.set(text, statement);
      }
      return statement;
    },
  };
  const db = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database: cached }) }) as AnyDb;
  const statements = new Map<string, SQLite.Statement>();
  const insertPrepared = (
    table: string,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
  ): void => {
    const sql = `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`;
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = database.prepare(sql);
      statements.set(sql, statement);
    }
    for (const row of rows) statement.run(row as unknown[]);
  };
  return {
    db,
    capabilities: { dialect: 'sqlite', maxParameters: 32_766, insertPrepared },
    location: `sqlite:${path}`,
    close: () => db.destroy(),
  };
}

function openPostgres(url: string, options: StoreOptions): Store {
  const schema = options.pgSchema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name: ${schema}`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.pgPoolSize ?? 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  const db = new Kysely<Record<string, never>>({
    dialect: new SchemaScopedPostgresDialect({ pool }),
  }) as AnyDb;
  const safe = new URL(url);
  safe.password = '';
  return {
    db,
    capabilities: { dialect: 'postgres', maxParameters: 65_535 },
    location: `postgres://${safe.host}${safe.pathname}${schema === undefined ? '' : `#${schema}`}`,
    close: () => db.destroy(),
  };
}

/**
 * Stores a narrow table's rows in its primary-key b-tree (SQLite `WITHOUT ROWID`), for
 * append-mostly tables keyed by time-ordered UUIDs: one b-tree to write per row instead
 * of two. (Wide tables with secondary indexes keep their rowid: there every index entry
 * would carry the 36-character key.) PostgreSQL tables are heaps either way.
 */
export function clusteredByPrimaryKey<B extends { modifyEnd(node: ReturnType<typeof sql>): B }>(
  builder: B,
  capabilities: Capabilities,
): B {
  return capabilities.dialect === 'sqlite' ? builder.modifyEnd(sql`without rowid`) : builder;
}

/**
 * Kysely's PostgreSQL introspector lists the tables of every schema in the database (the
 * migrator asks it whether its own tables exist). A schema another tenant, or a parallel
 * test, drops during that listing makes it fail. Myna works in one schema, so it looks
 * only there.
 */
class SchemaScopedIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const r = await sql<{ name: string }>`select current_schema() as name`.execute(this.db);
    return r.rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const r = await sql<{ name: string; schema: string; type: string }>`
      select table_name as name, table_schema as schema, table_type as type
      from information_schema.tables where table_schema = current_schema()`.execute(this.db);
    return r.rows.map((t) => ({ name: t.name, schema: t.schema, isView: t.type === 'VIEW', columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

class SchemaScopedPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SchemaScopedIntrospector(db);
  }
}
