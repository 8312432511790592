import { AppError, type ErrorDetail } from '../../core/index.ts';
import {
  HEADER_LOOKUP,
  normaliseHeader,
  RESIDENT_COLUMN_NAMES,
  RESIDENT_COLUMNS,
  type ResidentColumn,
} from './resident-columns.ts';

/**
 * Maps the header cells to canonical columns, in file order. Every problem is collected
 * before throwing, so one round trip to the spreadsheet fixes them all. An unknown column
 * is an error rather than ignored: a misspelt optional header would otherwise drop that
 * column's data from every resident without a word.
 *
 * @throws AppError IMPORT_CSV_HEADER (kind 'invalid') listing each problem in `details`.
 */
export function mapHeader(cells: readonly string[], line: number): ResidentColumn[] {
  const details: ErrorDetail[] = [];
  const columns: ResidentColumn[] = [];
  const seen = new Map<ResidentColumn, number>();
  cells.forEach((cell, index) => {
    const at = `line ${line}, column ${index + 1}`;
    const name = normaliseHeader(cell);
    if (name === '') {
      details.push({
        at,
        code: 'IMPORT_CSV_HEADER_EMPTY',
        message: `Column ${index + 1} has no header name.`,
      });
      return;
    }
    const column = HEADER_LOOKUP.get(name);
    if (column === undefined) {
      details.push({
        at,
        code: 'IMPORT_CSV_HEADER_UNKNOWN',
        message: `Column ${index + 1} header "${cell.trim()}" is not a resident column. Rename it to one of: ${RESIDENT_COLUMN_NAMES.join(', ')} (or its Japanese header), or remove the column.`,
      });
      return;
    }
    const earlier = seen.get(column);
    if (earlier !== undefined) {
      details.push({
        at,
        code: 'IMPORT_CSV_HEADER_DUPLICATE',
        message: `Column ${index + 1} header "${cell.trim()}" means ${column}, which column ${earlier + 1} already provides. Keep only one of them.`,
      });
      return;
    }
    seen.set(column, index);
    columns.push(column);
  });
  for (const column of RESIDENT_COLUMN_NAMES) {
    const spec = RESIDENT_COLUMNS[column];
    if (spec.required && !seen.has(column)) {
      details.push({
        at: `line ${line}`,
        code: 'IMPORT_CSV_HEADER_MISSING',
        message: `Required column ${column} (${spec.aliases[0]}) is missing. Add a column headed "${spec.header}" or "${spec.aliases[0]}".`,
      });
    }
  }
  if (details.length > 0) throw headerError(line, details);
  return columns;
}

export function headerError(line: number, details: readonly ErrorDetail[]): AppError {
  return new AppError(
    'IMPORT_CSV_HEADER',
    'invalid',
    `The CSV header on line ${line} cannot be used (${details.length} problem${details.length === 1 ? '' : 's'}); nothing was imported.`,
    { details },
  );
}
