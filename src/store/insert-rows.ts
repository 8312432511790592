import { CompiledQuery } from 'kysely';
import type { AnyDb, Capabilities } from './database.ts';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Inserts many rows with multi-row statements, as large as the dialect allows. Bulk
 * imports go through here: building a query tree per value costs more than the insert
 * itself at a million rows. Column names are checked identifiers, values always bound.
 */
export async function insertRows(
  db: AnyDb,
  capabilities: Capabilities,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  if (rows.length === 0) return;
  for (const name of [table, ...columns]) {
    if (!IDENTIFIER.test(name)) throw new Error(`not a plain identifier: ${name}`);
  }
  if (capabilities.insertPrepared !== undefined && db.isTransaction) {
    for (const row of rows) {
      if (row.length !== columns.length)
        throw new Error(`row has ${row.length} values for ${columns.length} columns`);
    }
    capabilities.insertPrepared(table, columns, rows);
    return;
  }
  const perStatement = Math.max(1, Math.min(1000, Math.floor(capabilities.maxParameters / columns.length)));
  const head = `insert into ${table} (${columns.join(', ')}) values `;
  const postgres = capabilities.dialect === 'postgres';
  for (let start = 0; start < rows.length; start += perStatement) {
    const slice = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    const groups: string[] = [];
    for (const row of slice) {
      if (row.length !== columns.length)
        throw new Error(`row has ${row.length} values for ${columns.length} columns`);
      const marks: string[] = [];
      for (const value of row) {
        params.push(value);
        marks.push(postgres ? `$${params.length}` : '?');
      }
      groups.push(`(${marks.join(', ')})`);
    }
    await db.executeQuery(CompiledQuery.raw(head + groups.join(', '), params));
  }
}
