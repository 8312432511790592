import type { ResidentColumn } from './resident-columns.ts';

/** The two encodings a municipal CSV arrives in: UTF-8, or Windows-31J as Japanese Excel saves it. */
export type CsvEncoding = 'utf-8' | 'shift_jis';

/** One data row, keyed by canonical column. Values are trimmed; empty values are omitted. */
export interface CsvRecord {
  readonly kind: 'record';
  /** 1-based physical line where the record starts (the header is normally line 1). */
  readonly line: number;
  readonly fields: Partial<Record<ResidentColumn, string>>;
}

/** Stable codes of the row-level problems; the rest of the file is still read. */
export type CsvRowErrorCode =
  | 'IMPORT_CSV_ENCODING'
  | 'IMPORT_CSV_COLUMNS'
  | 'IMPORT_CSV_QUOTE'
  | 'IMPORT_CSV_FIELD_TOO_LONG';

/** A row that could not be read; `message` names the line and what to fix. */
export interface CsvRowError {
  readonly kind: 'error';
  readonly line: number;
  readonly code: CsvRowErrorCode;
  readonly message: string;
}

export interface ReadResidentCsvOptions {
  /** Default 'auto': see {@link detectEncoding}. */
  readonly encoding?: CsvEncoding | 'auto';
  /** Longest accepted field, in UTF-16 code units before trimming. Default 1024. */
  readonly maxFieldLength?: number;
}
