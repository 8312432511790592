import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '../../core/index.ts';
import { countDataLines } from './count-data-lines.ts';
import { encodeShiftJis } from './encode-shift-jis.test-util.ts';
import { readAll, utf8 } from './read-all.test-util.ts';
import { RESIDENT_COLUMN_NAMES, RESIDENT_COLUMNS, type ResidentColumn } from './resident-columns.ts';
import type { CsvEncoding } from './types.ts';

/** Test-only RFC 4180 writer: quotes a value when it must, or when told to. */
function writeCsv(rows: readonly (readonly string[])[], quoteAll: boolean): string[] {
  return rows.map((row) =>
    row
      .map((value) =>
        quoteAll || /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value,
      )
      .join(','),
  );
}

const required = RESIDENT_COLUMN_NAMES.filter((column) => RESIDENT_COLUMNS[column].required);
const optional = RESIDENT_COLUMN_NAMES.filter((column) => !RESIDENT_COLUMNS[column].required);

const headerArb = fc.tuple(fc.subarray(optional), fc.boolean()).chain(([extra, japanese]) =>
  fc
    .shuffledSubarray([...required, ...extra], { minLength: required.length + extra.length })
    .map((columns) => ({
      columns,
      names: columns.map((column) => (japanese ? RESIDENT_COLUMNS[column].aliases[0]! : column)),
    })),
);

// Characters every encoding under test can hold, weighted towards the CSV-significant ones.
const pieceArb = fc.constantFrom(
  ',',
  '"',
  '\n',
  '\r\n',
  ' ',
  '\u3000',
  'a',
  'Z',
  '0',
  'あ',
  '髙',
  '邉',
  'ｶ',
  'ﾞ',
  '-',
  '\\',
);
const valueArb = fc.array(pieceArb, { maxLength: 8 }).map((pieces) => pieces.join(''));

const chunkArb = fc.constantFrom(undefined, 3, 16, 64);

describe('readResidentCsv properties', () => {
  it('reads back what an RFC 4180 writer wrote, with the right start lines', () => {
    fc.assert(
      fc.property(
        headerArb.chain((header) =>
          fc.record({
            header: fc.constant(header),
            rows: fc.array(
              fc.array(valueArb, { minLength: header.columns.length, maxLength: header.columns.length }),
              {
                maxLength: 12,
              },
            ),
            blankBefore: fc.array(fc.boolean(), { minLength: 13, maxLength: 13 }),
            eol: fc.constantFrom('\n', '\r\n'),
            finalEol: fc.boolean(),
            quoteAll: fc.boolean(),
            encoding: fc.constantFrom<CsvEncoding>('utf-8', 'shift_jis'),
            chunk: chunkArb,
          }),
        ),
        ({ header, rows, blankBefore, eol, finalEol, quoteAll, encoding, chunk }) => {
          const [headerLine, ...rowLines] = writeCsv([header.names, ...rows], quoteAll);
          let text = headerLine!;
          let line = 1 + countNewlines(text);
          const expected: { line: number; fields: Partial<Record<ResidentColumn, string>> }[] = [];
          rowLines.forEach((rowLine, index) => {
            if (blankBefore[index] === true) {
              text += eol;
              line++;
            }
            text += eol;
            line++;
            const fields: Partial<Record<ResidentColumn, string>> = {};
            rows[index]!.forEach((value, column) => {
              if (value.trim() !== '') fields[header.columns[column]!] = value.trim();
            });
            if (Object.keys(fields).length > 0) expected.push({ line, fields });
            text += rowLine;
            line += countNewlines(rowLine);
          });
          if (finalEol) text += eol;
          const bytes = encoding === 'utf-8' ? utf8(text) : encodeShiftJis(text);
          const items = readAll(bytes, { encoding }, chunk);
          assert.deepEqual(
            items,
            expected.map((record) => ({ kind: 'record', ...record })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws after a valid header, and reports each line at most once, in order, within the file', () => {
    const noiseArb = fc.array(
      fc.oneof(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(0x2c, 0x22, 0x0a, 0x0d, 0x20, 0x82, 0xa0, 0xe3),
        fc.constantFrom(...encodeShiftJis('髙'), ...utf8('渡')),
      ),
      { maxLength: 300 },
    );
    fc.assert(
      fc.property(
        noiseArb,
        fc.constantFrom<CsvEncoding | 'auto'>('auto', 'utf-8', 'shift_jis'),
        chunkArb,
        fc.integer({ min: 1, max: 40 }),
        (noise, encoding, chunk, maxFieldLength) => {
          const bytes = new Uint8Array([
            ...utf8('municipality_code,family_name,birth_date,sex,address\n'),
            ...noise,
          ]);
          const items = readAll(bytes, { encoding, maxFieldLength }, chunk);
          const lastLine = countDataLines(bytes) + 1;
          let previous = 1;
          for (const item of items) {
            assert.ok(item.line > previous && item.line <= lastLine, `line ${item.line} after ${previous}`);
            previous = item.line;
            if (item.kind === 'error') assert.match(item.message, new RegExp(`^Line ${item.line}\\b`));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives the same result whatever the chunk size, invalid bytes included', () => {
    const partArb = fc.oneof(
      pieceArb.map((piece) => [...utf8(piece)]),
      pieceArb.map((piece) => [...encodeShiftJis(piece)]),
      fc.integer({ min: 0x80, max: 0xff }).map((byte) => [byte]),
    );
    fc.assert(
      fc.property(
        fc.array(partArb, { maxLength: 80 }),
        fc.constantFrom<CsvEncoding | 'auto'>('auto', 'utf-8', 'shift_jis'),
        chunkArb,
        (parts, encoding, chunk) => {
          const header = utf8('municipality_code,family_name,birth_date,sex,address\n');
          const bytes = new Uint8Array([...header, ...parts.flat()]);
          assert.deepEqual(
            readAll(bytes, { encoding, maxFieldLength: 12 }, chunk),
            readAll(bytes, { encoding, maxFieldLength: 12 }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('throws only AppErrors on arbitrary bytes, header included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          readAll(bytes, {}, 16);
        } catch (error) {
          assert.ok(isAppError(error));
          assert.ok(['IMPORT_CSV_HEADER', 'IMPORT_CSV_EMPTY'].includes(error.code));
        }
      }),
    );
  });
});

function countNewlines(text: string): number {
  return text.split('\n').length - 1;
}
