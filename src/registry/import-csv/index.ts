/**
 * The reading half of `myna import residents <file.csv>`: bytes in, resident CSV records
 * with their line numbers out. Validation of the values and writing them belong to the
 * caller.
 */
export { countDataLines } from './count-data-lines.ts';
export { detectEncoding } from './detect-encoding.ts';
export {
  type ResidentCsvHeader,
  readResidentCsv,
  readResidentCsvBatches,
  readResidentCsvHeader,
} from './read-resident-csv.ts';
export {
  RESIDENT_COLUMN_NAMES,
  RESIDENT_COLUMNS,
  type ResidentColumn,
  type ResidentColumnSpec,
} from './resident-columns.ts';
export type {
  CsvEncoding,
  CsvRecord,
  CsvRowError,
  CsvRowErrorCode,
  ReadResidentCsvOptions,
} from './types.ts';
