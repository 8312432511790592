/** A calendar date from a `YYYY-MM-DD` string, checked to exist (no 2月30日). */
export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export function parseIsoDate(text: string): CalendarDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  return { year, month, day };
}

export type EraName = '明治' | '大正' | '昭和' | '平成' | '令和';

export interface JapaneseEraDate {
  readonly era: EraName;
  /** 1 for the first (partial) year, which is written 元年. */
  readonly eraYear: number;
  readonly month: number;
  readonly day: number;
}

/**
 * First day of each era in the Gregorian calendar. Meiji is counted from 1873-01-01 (明治6年), when
 * Japan adopted the Gregorian calendar; earlier dates were lunisolar and have no simple mapping.
 */
const ERAS: readonly { name: EraName; start: CalendarDate; firstYear: number }[] = [
  { name: '令和', start: { year: 2019, month: 5, day: 1 }, firstYear: 2019 },
  { name: '平成', start: { year: 1989, month: 1, day: 8 }, firstYear: 1989 },
  { name: '昭和', start: { year: 1926, month: 12, day: 25 }, firstYear: 1926 },
  { name: '大正', start: { year: 1912, month: 7, day: 30 }, firstYear: 1912 },
  { name: '明治', start: { year: 1873, month: 1, day: 1 }, firstYear: 1868 },
];

function key(d: CalendarDate): number {
  return d.year * 10_000 + d.month * 100 + d.day;
}

/** The Japanese era date of a Gregorian date, or undefined before 1873 or for a malformed date. */
export function toJapaneseEra(iso: string): JapaneseEraDate | undefined {
  const date = parseIsoDate(iso);
  if (!date) return undefined;
  const era = ERAS.find((e) => key(date) >= key(e.start));
  if (!era) return undefined;
  return { era: era.name, eraYear: date.year - era.firstYear + 1, month: date.month, day: date.day };
}

/** 昭和60年1月2日, with the first year of an era written 元年 as official documents do. */
export function formatJapaneseEraDate(iso: string): string | undefined {
  const e = toJapaneseEra(iso);
  if (!e) return undefined;
  return `${e.era}${e.eraYear === 1 ? '元' : e.eraYear}年${e.month}月${e.day}日`;
}

/** 2035年1月2日 (Gregorian, as the card prints its expiry). */
export function formatGregorianDate(iso: string): string | undefined {
  const d = parseIsoDate(iso);
  return d && `${d.year}年${d.month}月${d.day}日`;
}
