import { invalidOption } from './errors.ts';

/**
 * Calendar dates as day numbers (days since 1970-01-01), with every date string of the
 * generated span precomputed, so that the hot loop never formats or parses a date.
 */
export interface DayTable {
  /** Day number of `today`. */
  readonly today: number;
  /** Day number of the first entry (the oldest date the table can format). */
  readonly first: number;
  /** `YYYY-MM-DD` of day `first + i`. */
  readonly text: readonly string[];
  /** Calendar year of day `first + i`. */
  readonly year: Int16Array;
}

const MS_PER_DAY = 86_400_000;

/** Parses a strict `YYYY-MM-DD` into a day number, or returns undefined if it is not a real date. */
export function dayNumber(date: string): number | undefined {
  if (date.length !== 10 || date[4] !== '-' || date[7] !== '-') return undefined;
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d) || y < 1800) return undefined;
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  // Date.UTC rolls 2023-02-30 over to March; a round trip catches impossible dates.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d)
    return undefined;
  return ms / MS_PER_DAY;
}

/** Formats a day number as `YYYY-MM-DD`. */
export function dayText(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Parses a date option, throwing `DEMO_INVALID_OPTIONS` when it is not a real date. */
export function requireDay(date: string, field: string): number {
  const day = typeof date === 'string' ? dayNumber(date) : undefined;
  if (day === undefined) throw invalidOption(field, `${field} must be a real date written YYYY-MM-DD`);
  return day;
}

/** Builds the table of the `years` years up to and including `today`. */
export function buildDayTable(today: number, years: number): DayTable {
  const first = today - Math.ceil(years * 365.2425) - 1;
  const size = today - first + 1;
  const text: string[] = new Array<string>(size);
  const year = new Int16Array(size);
  const date = new Date(first * MS_PER_DAY);
  for (let i = 0; i < size; i++) {
    const y = date.getUTCFullYear();
    const m = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    text[i] = `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
    year[i] = y;
    date.setUTCDate(d + 1);
  }
  return { today, first, text, year };
}
