import { Worker } from 'node:worker_threads';
import { type Actor, AppError, type ErrorKind } from '../core/index.ts';
import { sealerKeys } from '../number/index.ts';
import type { RegistryContext } from './context.ts';
import { reserveCounter } from './context.ts';
import { type CsvEncoding, countDataLines, readResidentCsvHeader } from './import-csv/index.ts';
import { type ImportPlan, type ImportRowError, type PreparedBatch, prepareImport } from './prepare-import.ts';
import { registerPrepared } from './register-residents.ts';
import { residentRowFromValues } from './registry-tables.ts';

export type { ImportRowError } from './prepare-import.ts';

export interface ImportReport {
  readonly rows: number;
  readonly registered: number;
  readonly queuedForReview: number;
  readonly errors: ImportRowError[];
  /** Rows rejected, counted in full even when `errors` was cut at `maxErrors`. */
  readonly rejected: number;
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
  /**
   * Prepare rows on a worker thread while this one writes: `auto` does so for files
   * large enough to repay the worker's start.
   */
  readonly parallel?: boolean | 'auto' | undefined;
}

const PARALLEL_FROM_LINES = 20_000;

/**
 * Imports residents from CSV. Every row is checked on its own; a bad row is reported
 * by line and reason and never written, and never stops or spoils the rows around it.
 * Good rows are written in batches, each batch one transaction (rows, numbers, history,
 * access records together), so an interrupted import leaves whole rows only.
 *
 * Numbers and resident codes for the whole file are reserved before the first row is
 * written, so the rows can be sealed ahead on a worker thread; counters reserved for
 * rows that end up rejected or held for review are never used by anyone.
 */
export async function importResidents(
  ctx: RegistryContext,
  bytes: Uint8Array,
  options: ImportOptions,
): Promise<ImportReport> {
  const maxErrors = options.maxErrors ?? 1000;
  // A file whose header is wrong is refused before anything is reserved or written.
  readResidentCsvHeader(bytes, { encoding: options.encoding ?? 'auto' });
  const total = countDataLines(bytes);
  const validation = await ctx.validationContext();
  let plan: ImportPlan = {
    encoding: options.encoding ?? 'auto',
    municipalities: [...validation.municipalities],
    today: validation.today,
    at: ctx.clock.now().toISOString(),
    // About ten batches per file: enough for the worker to run ahead of the writer, few
    // enough that each commit's rewrite of the random-key indexes is paid rarely.
    batchSize: options.batchSize ?? Math.min(100_000, Math.max(5_000, Math.ceil(total / 10))),
    actor: options.actor,
  };
  if (!options.dryRun) {
    const reserved = total + 1;
    const [firstNumber, firstCode] = await ctx.store.db
      .transaction()
      .execute(async (trx) => [
        await ctx.vault.reserve(trx, reserved),
        await reserveCounter(trx, 'resident-code', reserved),
      ]);
    plan = {
      ...plan,
      issue: {
        sealerKeys: sealerKeys(ctx.keys),
        codeKey: ctx.keys.derive('resident-code-permutation'),
        firstNumber,
        firstCode,
        reserved,
      },
    };
  }

  const errors: ImportRowError[] = [];
  let rejected = 0;
  let rows = 0;
  let registered = 0;
  let queuedForReview = 0;
  const addError = (e: ImportRowError): void => {
    if (errors.length < maxErrors) errors.push(e);
  };

  const parallel =
    options.parallel === 'auto' || options.parallel === undefined
      ? total >= PARALLEL_FROM_LINES
      : options.parallel;
  const batches = parallel ? prepareOnWorker(bytes, plan) : inThread(bytes, plan);
  for await (const batch of batches) {
    rows += batch.rows;
    const linesWithErrors = new Set(batch.errors.map((e) => e.line));
    rejected += linesWithErrors.size;
    for (const e of batch.errors) addError(e);
    if (!options.dryRun && batch.entries.length > 0) {
      const outcomes = await ctx.store.db.transaction().execute((trx) =>
        registerPrepared(
          ctx,
          trx,
          batch.entries.map((e) => ({
            row: residentRowFromValues(e.writes.resident),
            movedInDate: e.movedInDate,
            writes: e.writes,
          })),
          options.actor,
        ),
      );
      outcomes.forEach((o, i) => {
        if (o.kind === 'registered') registered++;
        else if (o.kind === 'review') queuedForReview++;
        else {
          rejected++;
          addError({
            line: batch.entries[i]!.line,
            code: o.error.code,
            message: o.error.message,
            field: o.error.at,
          });
        }
      });
    }
    options.onProgress?.(rows, Math.max(total, rows));
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, registered, queuedForReview, errors, rejected, dryRun: options.dryRun === true };
}

async function* inThread(bytes: Uint8Array, plan: ImportPlan): AsyncGenerator<PreparedBatch> {
  yield* prepareImport(bytes, plan);
}

type WorkerMessage =
  | { type: 'batch'; batch: PreparedBatch }
  | { type: 'done' }
  | {
      type: 'error';
      error: { code: string; kind: ErrorKind; message: string; details: AppError['details'] };
    };

/** Runs {@link prepareImport} on a worker thread, two batches ahead of the writer. */
async function* prepareOnWorker(bytes: Uint8Array, plan: ImportPlan): AsyncGenerator<PreparedBatch> {
  const worker = new Worker(new URL('./import-worker.mjs', import.meta.url), { workerData: { bytes, plan } });
  const queue: WorkerMessage[] = [];
  let notify: (() => void) | undefined;
  let failure: Error | undefined;
  worker.on('message', (m: WorkerMessage) => {
    queue.push(m);
    notify?.();
  });
  worker.on('error', (e) => {
    failure = e;
    notify?.();
  });
  worker.on('exit', (code) => {
    if (code !== 0 && failure === undefined)
      failure = new Error(`the import worker stopped with code ${code}`);
    notify?.();
  });
  worker.postMessage('credit');
  worker.postMessage('credit');
  try {
    for (;;) {
      while (queue.length === 0) {
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => (notify = resolve));
      }
      const m = queue.shift()!;
      if (m.type === 'done') return;
      if (m.type === 'error')
        throw new AppError(m.error.code, m.error.kind, m.error.message, { details: m.error.details });
      worker.postMessage('credit');
      yield m.batch;
    }
  } finally {
    await worker.terminate();
  }
}
