/**
 * `myna match --register <residents.csv> --records <records.csv> --out <decisions.csv>`:
 * a dry run of the enrolment link rule for data quality, before any batch is submitted.
 * Both files use the resident-import CSV columns and are read by the import's own reader
 * (UTF-8 or Shift_JIS); no database is opened. Register rows are blocked by birth date in
 * memory and each record gets the decision of the insurance domain's `decideLink` — the
 * same code path bench/linking.ts measures.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { isAppError } from '../core/index.ts';
import {
  blockingKey,
  decideLink,
  type LinkCandidate,
  type LinkFacts,
  type LinkOutcome,
} from '../insurance/index.ts';
import { parseDate, parseSex } from '../matching/index.ts';
import { type CsvEncoding, type CsvRecord, readResidentCsvBatches } from '../registry/index.ts';
import { progressBar } from './progress.ts';

/** A rule with decideLink's signature (the benchmark also passes the 2023 rule). */
export type LinkRule = (record: LinkFacts, candidates: readonly LinkCandidate[]) => LinkOutcome;

/** The register, blocked by normalised birth date; candidate keys are the register's line numbers. */
export interface RegisterIndex {
  readonly blocks: ReadonlyMap<string, LinkCandidate[]>;
  readonly rows: number;
}

/** One row of decisions.csv. */
export interface MatchRow {
  readonly recordLine: number;
  readonly decision: LinkOutcome['decision'];
  readonly registerLine: number | null;
  readonly score: number;
  readonly reasons: readonly string[];
}

/** A row the CSV reader or the basic-facts check refused, with its stable code. */
export interface BadRow {
  readonly line: number;
  readonly code: string;
}

export const DECISIONS_HEADER = 'record_line,decision,register_line,score,reasons';

type Facts = { ok: true; facts: LinkFacts } | { ok: false; code: string };

/**
 * The basic facts of a CSV record: family name, a readable birth date, a known sex and
 * an address are needed to compare anyone. Returns the first missing item's code.
 */
export function factsOf(record: CsvRecord): Facts {
  const f = record.fields;
  if (f.family_name === undefined) return { ok: false, code: 'NAME_EMPTY' };
  if (f.birth_date === undefined) return { ok: false, code: 'FIELD_REQUIRED' };
  const date = parseDate(f.birth_date);
  if (!date.ok) return { ok: false, code: date.code };
  if (f.sex === undefined) return { ok: false, code: 'FIELD_REQUIRED' };
  if (parseSex(f.sex) === undefined) return { ok: false, code: 'SEX_INVALID' };
  if (f.address === undefined) return { ok: false, code: 'ADDRESS_EMPTY' };
  return {
    ok: true,
    facts: {
      familyName: f.family_name,
      givenName: f.given_name,
      familyNameKana: f.family_name_kana,
      givenNameKana: f.given_name_kana,
      birthDate: f.birth_date,
      sex: f.sex,
      address: f.address,
    },
  };
}

/**
 * Reads the register file into memory, blocked by birth date. Rows that cannot be read
 * are returned in `bad`; the caller decides whether that is acceptable.
 *
 * @throws AppError IMPORT_CSV_HEADER / IMPORT_CSV_EMPTY from the import's reader.
 */
export function loadRegister(
  bytes: Uint8Array,
  encoding: CsvEncoding | 'auto' = 'auto',
): { index: RegisterIndex; bad: BadRow[] } {
  const blocks = new Map<string, LinkCandidate[]>();
  const bad: BadRow[] = [];
  let rows = 0;
  for (const batch of readResidentCsvBatches(bytes, { encoding })) {
    for (const item of batch) {
      rows++;
      if (item.kind === 'error') {
        bad.push({ line: item.line, code: item.code });
        continue;
      }
      const checked = factsOf(item);
      if (!checked.ok) {
        bad.push({ line: item.line, code: checked.code });
        continue;
      }
      const key = blockingKey(checked.facts.birthDate)!;
      const candidate: LinkCandidate = {
        ...checked.facts,
        key: String(item.line),
        householdId: item.fields.household_id,
      };
      const block = blocks.get(key);
      if (block === undefined) blocks.set(key, [candidate]);
      else block.push(candidate);
    }
  }
  return { index: { blocks, rows }, bad };
}

/** Reads the records file: readable records, and refused rows as `none` decisions. */
export function readRecords(
  bytes: Uint8Array,
  encoding: CsvEncoding | 'auto' = 'auto',
): ({ line: number; facts: LinkFacts } | BadRow)[] {
  const out: ({ line: number; facts: LinkFacts } | BadRow)[] = [];
  for (const batch of readResidentCsvBatches(bytes, { encoding })) {
    for (const item of batch) {
      if (item.kind === 'error') out.push({ line: item.line, code: item.code });
      else {
        const checked = factsOf(item);
        out.push(
          checked.ok ? { line: item.line, facts: checked.facts } : { line: item.line, code: checked.code },
        );
      }
    }
  }
  return out;
}

/** Decides one record against the register with `rule` (decideLink unless told otherwise). */
export function matchOne(
  index: RegisterIndex,
  record: { line: number; facts: LinkFacts } | BadRow,
  rule: LinkRule = decideLink,
): MatchRow {
  if ('code' in record)
    return {
      recordLine: record.line,
      decision: 'none',
      registerLine: null,
      score: 0,
      reasons: [`invalid-record:${record.code}`],
    };
  const key = blockingKey(record.facts.birthDate);
  const candidates = key === undefined ? [] : (index.blocks.get(key) ?? []);
  const outcome = rule(record.facts, candidates);
  return {
    recordLine: record.line,
    decision: outcome.decision,
    registerLine:
      outcome.decision === 'link' && outcome.candidateKey !== null ? Number(outcome.candidateKey) : null,
    score: outcome.score,
    reasons: outcome.reasons,
  };
}

export function decisionLine(row: MatchRow): string {
  return `${row.recordLine},${row.decision},${row.registerLine ?? ''},${row.score},${row.reasons.join(';')}\n`;
}

interface Tools {
  print(value: unknown): void;
}

function fail(code: string, message: string, exitCode: number, details: readonly string[] = []): void {
  process.stderr.write(`${code}: ${message}\n`);
  for (const d of details) process.stderr.write(`  ${d}\n`);
  process.exitCode = exitCode;
}

function readInput(file: string, what: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    fail('MATCH_FILE_UNREADABLE', `Cannot read the ${what} file ${file}: ${(error as Error).message}`, 2);
    return undefined;
  }
}

function csvError(error: unknown, what: string): boolean {
  if (!isAppError(error)) return false;
  fail(
    error.code,
    `${what} file: ${error.message}`,
    1,
    error.details.map((d) => `${d.at ?? ''} ${d.code}: ${d.message}`),
  );
  return true;
}

const MAX_LISTED = 20;

/** Registers `myna match`. No database: reads two files, writes one. */
export function registerMatchCommand(program: Command, _tools?: Tools): void {
  program
    .command('match')
    .description(
      'dry run of the enrolment link rule: match records against a register file, no database (CSV columns as for import residents)',
    )
    .requiredOption('--register <file>', 'the register: resident CSV (UTF-8 or Shift_JIS)')
    .requiredOption('--records <file>', 'the records to link: resident CSV columns')
    .requiredOption('--out <file>', 'where to write the decisions CSV (UTF-8)')
    .addOption(
      new Option('--encoding <encoding>', 'encoding of both input files')
        .choices(['auto', 'utf-8', 'shift_jis'])
        .default('auto'),
    )
    .option(
      '--skip-bad-register-rows',
      'match against the readable register rows even when some cannot be read (otherwise refused)',
    )
    .action(
      (opts: {
        register: string;
        records: string;
        out: string;
        encoding: CsvEncoding | 'auto';
        skipBadRegisterRows?: boolean;
      }) => {
        const registerBytes = readInput(opts.register, 'register');
        if (registerBytes === undefined) return;
        const recordBytes = readInput(opts.records, 'records');
        if (recordBytes === undefined) return;

        let register: ReturnType<typeof loadRegister>;
        try {
          register = loadRegister(registerBytes, opts.encoding);
        } catch (error) {
          if (csvError(error, 'Register')) return;
          throw error;
        }
        if (register.bad.length > 0) {
          const listed = register.bad.slice(0, MAX_LISTED).map((b) => `register line ${b.line}: ${b.code}`);
          if (register.bad.length > MAX_LISTED) listed.push(`… and ${register.bad.length - MAX_LISTED} more`);
          if (!opts.skipBadRegisterRows) {
            // A missing register row could turn an ambiguous record into a unique "link".
            fail(
              'MATCH_REGISTER_BAD_ROWS',
              `${register.bad.length} register row(s) cannot be read; a record could link uniquely only because its namesake's row was dropped. Fix them, or pass --skip-bad-register-rows.`,
              1,
              listed,
            );
            return;
          }
          process.stderr.write(`Skipping ${register.bad.length} unreadable register row(s):\n`);
          for (const l of listed) process.stderr.write(`  ${l}\n`);
        }

        let records: ReturnType<typeof readRecords>;
        try {
          records = readRecords(recordBytes, opts.encoding);
        } catch (error) {
          if (csvError(error, 'Records')) return;
          throw error;
        }

        let fd: number;
        try {
          fd = openSync(opts.out, 'w');
        } catch (error) {
          fail('MATCH_OUTPUT_UNWRITABLE', `Cannot write ${opts.out}: ${(error as Error).message}`, 2);
          return;
        }
        const counts = { link: 0, review: 0, none: 0, invalid: 0 };
        const bar = progressBar('Matching');
        try {
          let buffer = `${DECISIONS_HEADER}\n`;
          records.forEach((record, i) => {
            const row = matchOne(register.index, record, decideLink);
            counts[row.decision]++;
            if ('code' in record) counts.invalid++;
            buffer += decisionLine(row);
            if (buffer.length > 1 << 16) {
              writeSync(fd, buffer);
              buffer = '';
            }
            if ((i + 1) % 1000 === 0) bar.update(i + 1, records.length);
          });
          writeSync(fd, buffer);
          bar.update(records.length, records.length);
        } finally {
          bar.stop();
          closeSync(fd);
        }
        process.stdout.write(
          `${records.length} records against ${register.index.rows} register rows: ${counts.link} link, ${counts.review} review, ${counts.none} none (${counts.invalid} unreadable). Nothing was written to any database.\n`,
        );
      },
    );
}
