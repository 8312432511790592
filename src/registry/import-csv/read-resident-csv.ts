import { AppError } from '../../core/index.ts';
import { decodeChunks } from './decode-chunks.ts';
import { detectFileEncoding } from './detect-encoding.ts';
import { headerError, mapHeader } from './map-header.ts';
import { parseWindow, type QuoteProblem, type RawRow } from './parse-window.ts';
import type { ResidentColumn } from './resident-columns.ts';
import type { CsvEncoding, CsvRecord, CsvRowError, ReadResidentCsvOptions } from './types.ts';

const DEFAULT_MAX_FIELD_LENGTH = 1024;

/** What the header line said: the file's encoding and which column each CSV column holds. */
export interface ResidentCsvHeader {
  readonly encoding: CsvEncoding;
  readonly line: number;
  /** Canonical column of each CSV column, in file order. */
  readonly columns: readonly ResidentColumn[];
}

/**
 * Reads the records of a resident CSV, one at a time. Row problems come out as
 * {@link CsvRowError} items in file order and reading carries on; only a file without a
 * usable header throws, because then nothing can be imported.
 *
 * Records are produced a decoded chunk (about 64 KiB of input) at a time, so memory holds
 * the input bytes plus one chunk's records, whatever the file size.
 *
 * @throws AppError IMPORT_CSV_EMPTY when the file has no non-blank line, IMPORT_CSV_HEADER
 *   when the header is unusable (details list each problem).
 * @example
 * for await (const item of readResidentCsv(bytes)) {
 *   if (item.kind === 'error') report(item.line, item.code, item.message);
 *   else stage(item.line, item.fields);
 * }
 */
export async function* readResidentCsv(
  bytes: Uint8Array,
  options: ReadResidentCsvOptions = {},
): AsyncGenerator<CsvRecord | CsvRowError> {
  for (const batch of readResidentCsvBatches(bytes, options)) yield* batch;
}

/** Only the header: lets the CLI refuse a file before it opens a transaction. */
export function readResidentCsvHeader(
  bytes: Uint8Array,
  options: ReadResidentCsvOptions = {},
): ResidentCsvHeader {
  const items = readWithHeader(bytes, options);
  // readWithHeader yields the header before any batch, or throws.
  const first = items.next();
  items.return(undefined);
  if (first.done === true || !isHeader(first.value)) throw new Error('unreachable: header not yielded first');
  return first.value;
}

/**
 * The same items as {@link readResidentCsv}, grouped per decoded chunk, for callers that
 * write in batches and want to skip one await per record.
 */
export function* readResidentCsvBatches(
  bytes: Uint8Array,
  options: ReadResidentCsvOptions = {},
): Generator<(CsvRecord | CsvRowError)[]> {
  for (const value of readWithHeader(bytes, options)) if (!isHeader(value)) yield value;
}

export function isHeader(value: ResidentCsvHeader | (CsvRecord | CsvRowError)[]): value is ResidentCsvHeader {
  return !Array.isArray(value);
}

/**
 * Yields the header, then the items batch by batch. Not part of the door: `chunkBytes` is
 * there so tests can put chunk boundaries anywhere.
 */
export function* readWithHeader(
  bytes: Uint8Array,
  options: ReadResidentCsvOptions,
  chunkBytes?: number,
): Generator<ResidentCsvHeader | (CsvRecord | CsvRowError)[]> {
  const requested = options.encoding ?? 'auto';
  const encoding = requested === 'auto' ? detectFileEncoding(bytes) : requested;
  const maxFieldLength = options.maxFieldLength ?? DEFAULT_MAX_FIELD_LENGTH;
  // Doubled quotes take two characters each, plus slack for surrounding spaces.
  const maxQuotedSpan = 2 * maxFieldLength + 2;
  const badLines = new Set<number>();
  let columns: ResidentColumn[] | undefined;
  let carry = '';
  let carryLine = 1;
  for (const chunk of decodeChunks(bytes, encoding, chunkBytes)) {
    const chunkFirstLine = carryLine + countLf(carry);
    for (const index of chunk.badLines) badLines.add(chunkFirstLine + index);
    const window = carry === '' ? chunk.text : carry + chunk.text;
    const result = parseWindow(window, carryLine, chunk.final, maxQuotedSpan);
    carry = window.slice(result.rest);
    carryLine = result.restLine;
    const out: (CsvRecord | CsvRowError)[] = [];
    for (const item of result.items) {
      const encodingErrors = badLinesIn(badLines, item);
      if (columns === undefined) {
        if (encodingErrors.length === 0 && item.kind === 'row' && isBlank(item.cells)) continue;
        columns = headerFrom(item, encodingErrors, encoding);
        yield { encoding, line: item.line, columns };
        continue;
      }
      if (encodingErrors.length > 0) {
        for (const line of encodingErrors) out.push(encodingError(line, encoding));
      } else if (item.kind === 'quote') {
        out.push({ kind: 'error', line: item.line, code: 'IMPORT_CSV_QUOTE', message: item.message });
      } else if (!isBlank(item.cells)) {
        out.push(toRecord(item, columns, maxFieldLength));
      }
    }
    if (out.length > 0) yield out;
  }
  if (columns === undefined) {
    throw new AppError(
      'IMPORT_CSV_EMPTY',
      'invalid',
      'The CSV file is empty: it needs a header line and rows.',
    );
  }
}

function headerFrom(
  item: RawRow | QuoteProblem,
  encodingErrors: readonly number[],
  encoding: CsvEncoding,
): ResidentColumn[] {
  if (encodingErrors.length > 0) {
    const error = encodingError(item.line, encoding);
    throw headerError(item.line, [{ at: `line ${item.line}`, code: error.code, message: error.message }]);
  }
  if (item.kind === 'quote') {
    throw headerError(item.line, [
      { at: `line ${item.line}`, code: 'IMPORT_CSV_QUOTE', message: item.message },
    ]);
  }
  return mapHeader(item.cells, item.line);
}

function toRecord(
  row: RawRow,
  columns: readonly ResidentColumn[],
  maxFieldLength: number,
): CsvRecord | CsvRowError {
  const { cells, line } = row;
  if (cells.length !== columns.length) {
    return {
      kind: 'error',
      line,
      code: 'IMPORT_CSV_COLUMNS',
      message: `Line ${line} has ${cells.length} field${cells.length === 1 ? '' : 's'} but the header has ${columns.length}. Check for a missing or extra comma, or a comma inside a value that is not enclosed in double quotes.`,
    };
  }
  const fields: Partial<Record<ResidentColumn, string>> = {};
  for (let index = 0; index < cells.length; index++) {
    const raw = cells[index]!;
    const column = columns[index]!;
    if (raw.length > maxFieldLength) {
      return {
        kind: 'error',
        line,
        code: 'IMPORT_CSV_FIELD_TOO_LONG',
        message: `Line ${line}: the ${column} value is ${raw.length} characters long; the limit is ${maxFieldLength}. Shorten it or check that a quote is not merging several values.`,
      };
    }
    const value = raw.trim();
    if (value !== '') fields[column] = value;
  }
  return { kind: 'record', line, fields };
}

function encodingError(line: number, encoding: CsvEncoding): CsvRowError {
  const name = encoding === 'utf-8' ? 'UTF-8' : 'Shift_JIS (Windows-31J)';
  return {
    kind: 'error',
    line,
    code: 'IMPORT_CSV_ENCODING',
    message: `Line ${line} contains bytes that are not valid ${name}, the encoding of this file. Retype the garbled characters on that line, or save the whole file again as UTF-8.`,
  };
}

/** Lines with invalid bytes that an item covers; a quote problem covers only its start line. */
function badLinesIn(badLines: ReadonlySet<number>, item: RawRow | QuoteProblem): number[] {
  if (badLines.size === 0) return [];
  const last = item.kind === 'row' ? item.endLine : item.line;
  const found: number[] = [];
  for (let line = item.line; line <= last; line++) if (badLines.has(line)) found.push(line);
  return found;
}

/** A blank line, or a row of empty cells such as Excel leaves below the data. */
function isBlank(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell.trim() !== '') return false;
  return true;
}

function countLf(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}
