/**
 * Matching: normalised keys for names, readings, addresses, dates and sex, and the
 * four-item record match used for search, duplicate detection and record linking.
 * Pure functions; the only door into src/matching/.
 */
export { KANJI_VARIANT_GROUPS, KANJI_VARIANTS } from './kanji-variants.ts';
export { type MatchDecision, type MatchResult, matchPerson, type PersonFacts } from './match-person.ts';
export { normalizeAddress } from './normalize-address.ts';
export { isKana, normalizeKana } from './normalize-kana.ts';
export { nameSearchKey, normalizeName } from './normalize-name.ts';
export { type DateErrorCode, type ParseDateResult, parseDate } from './parse-date.ts';
export { parseSex, type Sex } from './parse-sex.ts';
