/**
 * An RFC 4180 reader over a window of decoded text that starts at a line start. It is
 * written here rather than taken from csv-parse because an import needs three things
 * csv-parse does not give: the physical start line of every record, recovery from a
 * broken quote at the next line (csv-parse reads an unclosed quote to the end of the
 * file), and per-line encoding errors from the decoder joined to the records.
 *
 * Lines without a quote — nearly all lines of a register export — take a fast path
 * (`indexOf` + `split`); only lines with a quote go through the character loop.
 */

/** A syntactically complete record: raw, untrimmed cells. */
export interface RawRow {
  readonly kind: 'row';
  readonly line: number;
  /** Last physical line of the record; differs from `line` when a quoted cell holds a newline. */
  readonly endLine: number;
  readonly cells: string[];
}

/** A record whose quoting is broken; reading resumes at the line after `line`. */
export interface QuoteProblem {
  readonly kind: 'quote';
  readonly line: number;
  readonly message: string;
}

export interface WindowResult {
  readonly items: (RawRow | QuoteProblem)[];
  /** Offset of the first character not consumed: the start of an unfinished record. */
  readonly rest: number;
  /** Physical line number at `rest`. */
  readonly restLine: number;
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

/**
 * Parses the complete records in `text`, whose first character starts line `startLine`.
 * When `final` is false, a record that runs to the end of `text` is left unconsumed
 * (`rest`) for the caller to prepend to the next chunk.
 *
 * `maxQuotedSpan` bounds how far a quoted cell may run once it crosses a newline: past
 * that it is reported as an unclosed quote, so a stray quote costs one record, not the
 * rest of the file, and no chunk is carried over unboundedly.
 */
export function parseWindow(
  text: string,
  startLine: number,
  final: boolean,
  maxQuotedSpan: number,
): WindowResult {
  const items: (RawRow | QuoteProblem)[] = [];
  const length = text.length;
  let pos = 0;
  let line = startLine;
  let nextQuote = text.indexOf('"');
  while (pos < length) {
    let lf = text.indexOf('\n', pos);
    if (lf === -1) {
      if (!final) break;
      lf = length;
    }
    if (nextQuote !== -1 && nextQuote < pos) nextQuote = text.indexOf('"', pos);
    if (nextQuote === -1 || nextQuote > lf) {
      const end = lf > pos && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
      items.push({ kind: 'row', line, endLine: line, cells: text.slice(pos, end).split(',') });
      pos = lf + 1;
      line++;
      continue;
    }
    const record = parseQuotedRecord(text, pos, line, final, maxQuotedSpan);
    if (record === undefined) break;
    items.push(record.item);
    if (record.item.kind === 'quote') {
      // Resynchronise at the next physical line.
      pos = lf + 1;
      line++;
    } else {
      pos = record.next;
      line = record.item.endLine + 1;
    }
  }
  return { items, rest: Math.min(pos, length), restLine: line };
}

interface SlowRecord {
  readonly item: RawRow | QuoteProblem;
  readonly next: number;
}

/** The character loop for a record that contains a quote. `undefined`: needs more text. */
function parseQuotedRecord(
  text: string,
  start: number,
  line: number,
  final: boolean,
  maxQuotedSpan: number,
): SlowRecord | undefined {
  const length = text.length;
  const cells: string[] = [];
  let newlines = 0;
  let i = start;
  for (;;) {
    const column = cells.length + 1;
    let j = i;
    while (j < length && (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB)) j++;
    let k: number;
    if (j < length && text.charCodeAt(j) === QUOTE) {
      const quoted = readQuoted(text, j + 1, final, maxQuotedSpan);
      if (quoted === undefined) return undefined;
      if (quoted === 'unclosed') return problem(line, start, unclosedMessage(line, column));
      cells.push(quoted.value);
      newlines += quoted.newlines;
      k = quoted.next;
      while (k < length && (text.charCodeAt(k) === SPACE || text.charCodeAt(k) === TAB)) k++;
      const c = text.charCodeAt(k);
      if (
        k < length &&
        c !== COMMA &&
        c !== LF &&
        !(c === CR && (k + 1 === length || text.charCodeAt(k + 1) === LF))
      ) {
        return problem(line, start, strayAfterQuoteMessage(line, column));
      }
    } else {
      k = i;
      let c = 0;
      while (k < length) {
        c = text.charCodeAt(k);
        if (c === COMMA || c === LF) break;
        if (c === QUOTE) return problem(line, start, bareQuoteMessage(line, column));
        k++;
      }
      cells.push(text.slice(i, k > i && c === LF && text.charCodeAt(k - 1) === CR ? k - 1 : k));
    }
    if (k >= length && !final) return undefined;
    const c = text.charCodeAt(k);
    if (c === COMMA) {
      i = k + 1;
      continue;
    }
    // End of record: LF, CR LF, or the end of the text.
    const lf = c === CR ? k + 1 : k;
    const endLine = line + newlines;
    return { item: { kind: 'row', line, endLine, cells }, next: lf + 1 };
  }
}

interface Quoted {
  readonly value: string;
  readonly newlines: number;
  /** Offset just after the closing quote. */
  readonly next: number;
}

function readQuoted(
  text: string,
  contentStart: number,
  final: boolean,
  maxQuotedSpan: number,
): Quoted | 'unclosed' | undefined {
  const length = text.length;
  const firstLf = text.indexOf('\n', contentStart);
  let value = '';
  let segment = contentStart;
  let k = contentStart;
  for (;;) {
    const q = text.indexOf('"', k);
    const runsTooFar = (end: number): boolean =>
      firstLf !== -1 && end > firstLf && end - contentStart > maxQuotedSpan;
    if (q === -1) {
      if (final || runsTooFar(length)) return 'unclosed';
      return undefined;
    }
    if (runsTooFar(q)) return 'unclosed';
    if (q + 1 >= length && !final) return undefined;
    if (text.charCodeAt(q + 1) === QUOTE) {
      value += text.slice(segment, q + 1);
      k = q + 2;
      segment = k;
      continue;
    }
    value += text.slice(segment, q);
    let newlines = 0;
    for (let lf = firstLf; lf !== -1 && lf < q; lf = text.indexOf('\n', lf + 1)) newlines++;
    return { value, newlines, next: q + 1 };
  }
}

function problem(line: number, start: number, message: string): SlowRecord {
  return { item: { kind: 'quote', line, message }, next: start };
}

function unclosedMessage(line: number, column: number): string {
  return `Line ${line}: the quoted value in field ${column} is never closed. Add the missing closing double quote (") or remove the opening one; reading resumes at line ${line + 1}.`;
}

function strayAfterQuoteMessage(line: number, column: number): string {
  return `Line ${line}: field ${column} has text after its closing double quote. Inside a quoted value write a double quote as two ("").`;
}

function bareQuoteMessage(line: number, column: number): string {
  return `Line ${line}: field ${column} contains a double quote but is not enclosed in quotes. Enclose the value in double quotes and write the inner quote as two ("").`;
}
