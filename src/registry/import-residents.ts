import type { Actor } from '../core/index.ts';
import type { RegistryContext } from './context.ts';
import { type CsvEncoding, countDataLines, readResidentCsvBatches } from './import-csv/index.ts';
import { registerResidents } from './register-residents.ts';
import type { ResidentInput } from './resident.ts';
import { validateResident } from './validate-resident.ts';

export interface ImportRowError {
  readonly line: number;
  readonly code: string;
  readonly message: string;
  readonly field?: string | undefined;
}

export interface ImportReport {
  readonly rows: number;
  readonly registered: number;
  readonly queuedForReview: number;
  readonly errors: ImportRowError[];
  readonly dryRun: boolean;
}

export interface ImportOptions {
  readonly actor: Actor;
  readonly encoding?: CsvEncoding | 'auto' | undefined;
  /** Validate every row and report, write nothing. */
  readonly dryRun?: boolean | undefined;
  readonly batchSize?: number | undefined;
  /** Called after each batch with rows done and the estimated total. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** Stop collecting row errors past this many (the counts stay exact). */
  readonly maxErrors?: number | undefined;
}

const SNAKE_TO_CAMEL: Record<string, string> = {
  local_id: 'localId',
  municipality_code: 'municipalityCode',
  family_name: 'familyName',
  given_name: 'givenName',
  family_name_kana: 'familyNameKana',
  given_name_kana: 'givenNameKana',
  birth_date: 'birthDate',
  sex: 'sex',
  postal_code: 'postalCode',
  address: 'address',
  nationality: 'nationality',
  residence_status: 'residenceStatus',
  household_id: 'householdId',
  relationship: 'relationship',
  moved_in_date: 'movedInDate',
};

/**
 * Imports residents from CSV. Every row is checked on its own; a bad row is reported
 * by line and reason and never written, and never stops or spoils the rows around it.
 * Good rows are written in batches, each batch one transaction (rows, numbers, history,
 * access records together), so an interrupted import leaves whole rows only.
 */
export async function importResidents(
  ctx: RegistryContext,
  bytes: Uint8Array,
  options: ImportOptions,
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 2000;
  const maxErrors = options.maxErrors ?? 1000;
  const total = countDataLines(bytes);
  const validation = await ctx.validationContext();
  const errors: ImportRowError[] = [];
  let errorCount = 0;
  let rows = 0;
  let registered = 0;
  let queuedForReview = 0;
  const addError = (e: ImportRowError): void => {
    errorCount++;
    if (errors.length < maxErrors) errors.push(e);
  };

  let batch: ResidentInput[] = [];
  let lines: number[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const inputs = batch;
    const at = lines;
    batch = [];
    lines = [];
    if (!options.dryRun) {
      const outcomes = await ctx.store.db
        .transaction()
        .execute((trx) => registerResidents(ctx, trx, inputs, options.actor));
      outcomes.forEach((o, i) => {
        if (o.kind === 'registered') registered++;
        else if (o.kind === 'review') queuedForReview++;
        else addError({ line: at[i]!, code: o.error.code, message: o.error.message, field: o.error.at });
      });
    }
    options.onProgress?.(rows, Math.max(total, rows));
  };

  for (const item of (function* () {
    for (const chunk of readResidentCsvBatches(bytes, { encoding: options.encoding ?? 'auto' })) yield* chunk;
  })()) {
    rows++;
    if (item.kind === 'error') {
      addError({ line: item.line, code: item.code, message: item.message });
      continue;
    }
    const raw: Record<string, string> = {};
    for (const [column, value] of Object.entries(item.fields)) {
      const key = SNAKE_TO_CAMEL[column];
      if (key !== undefined && value !== undefined) raw[key] = value;
    }
    const checked = validateResident(raw, validation);
    if (!checked.ok) {
      for (const e of checked.errors)
        addError({ line: item.line, code: e.code, message: e.message, field: e.at });
      continue;
    }
    batch.push(checked.value);
    lines.push(item.line);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  options.onProgress?.(rows, rows);
  return {
    rows,
    registered,
    queuedForReview,
    errors: errorCount > errors.length ? [...errors] : errors,
    dryRun: options.dryRun === true,
  };
}
