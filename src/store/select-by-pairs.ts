import { CompiledQuery } from 'kysely';
import type { AnyDb, Capabilities } from './database.ts';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Rows whose two columns equal one of many pairs: `(a, b) in (values (?, ?), …)`,
 * chunked, with the SQL built as text and every value bound. A bulk import looks up
 * thousands of pairs per batch; building a query tree per pair would cost more than
 * the lookups. Both SQLite and PostgreSQL use an index on (a, b) for this form.
 */
export async function selectByPairs<Row>(
  db: AnyDb,
  capabilities: Capabilities,
  query: {
    readonly table: string;
    readonly columns: readonly string[];
    readonly pair: readonly [string, string];
    /** An extra fixed condition, written by the caller (never user input). */
    readonly where?: string;
  },
  pairs: readonly (readonly [unknown, unknown])[],
): Promise<Row[]> {
  for (const name of [query.table, ...query.columns, ...query.pair]) {
    if (!IDENTIFIER.test(name)) throw new Error(`not a plain identifier: ${name}`);
  }
  const out: Row[] = [];
  const postgres = capabilities.dialect === 'postgres';
  const head = `select ${query.columns.join(', ')} from ${query.table} where ${query.where ? `${query.where} and ` : ''}(${query.pair[0]}, ${query.pair[1]}) in (values `;
  const chunk = 500;
  for (let start = 0; start < pairs.length; start += chunk) {
    const params: unknown[] = [];
    const groups: string[] = [];
    for (const [a, b] of pairs.slice(start, start + chunk)) {
      params.push(a, b);
      groups.push(postgres ? `($${params.length - 1}::text, $${params.length}::text)` : '(?, ?)');
    }
    const result = await db.executeQuery<Row>(CompiledQuery.raw(`${head}${groups.join(', ')})`, params));
    out.push(...result.rows);
  }
  return out;
}
