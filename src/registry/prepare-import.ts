import { type Actor, uuidv7 } from '../core/index.ts';
import { createNumberSealer, type SealerKeys } from '../number/index.ts';
import { createResidentCodeMaker } from './context.ts';
import {
  type CsvEncoding,
  type CsvRecord,
  type CsvRowError,
  readResidentCsvBatches,
} from './import-csv/index.ts';
import { type PreparedRegistration, registrationWrites } from './register-residents.ts';
import { newRow } from './resident-row.ts';
import { validateResident } from './validate-resident.ts';

/** Everything needed to prepare an import's rows; plain data, so it can cross to a worker. */
export interface ImportPlan {
  readonly encoding: CsvEncoding | 'auto';
  readonly municipalities: readonly string[];
  readonly today: string;
  /** When the import started (ISO); the registration time of every row. */
  readonly at: string;
  readonly batchSize: number;
  /** Who imports: named in every history event and access record. */
  readonly actor: Actor;
  /** Reserved counters and keys; absent on a dry run, which only validates. */
  readonly issue?: {
    readonly sealerKeys: SealerKeys;
    readonly codeKey: Buffer;
    readonly firstNumber: number;
    readonly firstCode: number;
    readonly reserved: number;
  };
}

export interface ImportRowError {
  readonly line: number;
  readonly code: string;
  readonly message: string;
  readonly field?: string | undefined;
}

/** One valid row, as plain arrays (cheap to pass between threads). */
export interface PreparedImportEntry {
  readonly line: number;
  readonly movedInDate?: string | undefined;
  readonly writes: NonNullable<PreparedRegistration['writes']>;
}

export interface PreparedBatch {
  /** CSV records and row errors consumed for this batch. */
  readonly rows: number;
  readonly errors: ImportRowError[];
  /** Ready-made rows of the valid records; empty on a dry run, which writes nothing. */
  readonly entries: PreparedImportEntry[];
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
 * The CPU half of an import: reads the CSV, validates each row, builds its record and
 * search keys, and — unless this is a dry run — gives it a resident code and a sealed
 * number from the reserved counters. Pure of any database, so it runs on a worker
 * thread while the main thread writes the previous batch.
 */
export function* prepareImport(bytes: Uint8Array, plan: ImportPlan): Generator<PreparedBatch> {
  const validation = { municipalities: new Set(plan.municipalities), today: plan.today };
  const atMs = Date.parse(plan.at);
  const sealer = plan.issue === undefined ? undefined : createNumberSealer(plan.issue.sealerKeys);
  const codesFor = plan.issue === undefined ? undefined : createResidentCodeMaker(plan.issue.codeKey);
  let used = 0;

  let rows = 0;
  let errors: ImportRowError[] = [];
  let valid: { line: number; input: import('./resident.ts').ResidentInput }[] = [];

  const finish = (): PreparedBatch => {
    const count = valid.length;
    let entries: PreparedBatch['entries'];
    if (plan.issue !== undefined && sealer !== undefined && codesFor !== undefined) {
      if (used + count > plan.issue.reserved) throw new Error('more rows than counters were reserved');
      const numbers = sealer.numbersFor(plan.issue.firstNumber + used, count);
      const codes = codesFor(plan.issue.firstCode + used, count);
      const at = new Date(atMs);
      entries = valid.map((v, i) => {
        const row = newRow(v.input, uuidv7(atMs), codes[i]!, plan.at);
        const writes = registrationWrites(
          row,
          numbers[i]!,
          sealer,
          v.input.movedInDate ?? plan.today,
          at,
          plan.actor,
        );
        return { line: v.line, movedInDate: v.input.movedInDate, writes };
      });
      used += count;
    } else {
      entries = [];
    }
    const batch = { rows, errors, entries };
    rows = 0;
    errors = [];
    valid = [];
    return batch;
  };

  const take = (item: CsvRecord | CsvRowError): void => {
    rows++;
    if (item.kind === 'error') {
      errors.push({ line: item.line, code: item.code, message: item.message });
      return;
    }
    const raw: Record<string, string> = {};
    for (const [column, value] of Object.entries(item.fields)) {
      const key = SNAKE_TO_CAMEL[column];
      if (key !== undefined && value !== undefined) raw[key] = value;
    }
    const checked = validateResident(raw, validation);
    if (checked.ok) valid.push({ line: item.line, input: checked.value });
    else
      for (const e of checked.errors)
        errors.push({ line: item.line, code: e.code, message: e.message, field: e.at });
  };

  for (const chunk of readResidentCsvBatches(bytes, { encoding: plan.encoding })) {
    for (const item of chunk) take(item);
    if (valid.length >= plan.batchSize) yield finish();
  }
  if (rows > 0) yield finish();
}
