import { isHeader, readWithHeader } from './read-resident-csv.ts';
import type { CsvRecord, CsvRowError, ReadResidentCsvOptions } from './types.ts';

/** Every item of a file, read with chunk boundaries every `chunkBytes` bytes. */
export function readAll(
  bytes: Uint8Array,
  options: ReadResidentCsvOptions = {},
  chunkBytes?: number,
): (CsvRecord | CsvRowError)[] {
  const items: (CsvRecord | CsvRowError)[] = [];
  for (const value of readWithHeader(bytes, options, chunkBytes)) if (!isHeader(value)) items.push(...value);
  return items;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
