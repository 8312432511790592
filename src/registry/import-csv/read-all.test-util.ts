import assert from 'node:assert/strict';
import { type ErrorDetail, isAppError } from '../../core/index.ts';
import { isHeader, readResidentCsv, readWithHeader } from './read-resident-csv.ts';
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

export const HEADER = 'municipality_code,family_name,given_name,birth_date,sex,address';

export async function collect(
  bytes: Uint8Array,
  options: ReadResidentCsvOptions = {},
): Promise<(CsvRecord | CsvRowError)[]> {
  const items: (CsvRecord | CsvRowError)[] = [];
  for await (const item of readResidentCsv(bytes, options)) items.push(item);
  return items;
}

export function summary(items: readonly (CsvRecord | CsvRowError)[]): string[] {
  return items.map((item) => (item.kind === 'record' ? `${item.line}:record` : `${item.line}:${item.code}`));
}

export async function rejectsWith(bytes: Uint8Array, code: string): Promise<readonly ErrorDetail[]> {
  let details: readonly ErrorDetail[] = [];
  await assert.rejects(collect(bytes), (error: unknown) => {
    assert.ok(isAppError(error));
    assert.equal(error.code, code);
    assert.equal(error.kind, 'invalid');
    details = error.details;
    return true;
  });
  return details;
}
