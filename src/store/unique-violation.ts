/** A unique index refused the row (SQLite and PostgreSQL say it differently). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  // PostgreSQL's SQLSTATE unique_violation; SQLite's message (its code is SQLITE_CONSTRAINT_…).
  return e?.code === '23505' || /UNIQUE constraint failed/.test(String(e?.message));
}
