/**
 * Sex as recorded in the register. 'unspecified' covers the ISO 5218 code 9 (not
 * applicable) and the JPKI certificate's 3 (unknown); the register itself records only
 * male and female, so 'unspecified' usually means the source did not say.
 */
export type Sex = 'male' | 'female' | 'unspecified';

const SEX_BY_TOKEN: ReadonlyMap<string, Sex> = new Map<string, Sex>([
  ['male', 'male'],
  ['m', 'male'],
  ['1', 'male'], // ISO 5218, and the JPKI signature certificate's sex attribute
  ['男', 'male'],
  ['男性', 'male'],
  ['female', 'female'],
  ['f', 'female'],
  ['2', 'female'],
  ['女', 'female'],
  ['女性', 'female'],
  ['unspecified', 'unspecified'],
  ['9', 'unspecified'], // ISO 5218: not applicable
  ['3', 'unspecified'], // JPKI: unknown
]);

/**
 * Reads sex as written in forms, CSV imports and certificates. Case-insensitive, NFKC
 * (so full-width '１' and 'Ｍ' work), surrounding whitespace ignored. Returns undefined
 * for anything else, so callers report the field rather than guess.
 *
 * @example
 * parseSex('女性'); // → 'female'
 * parseSex('9'); // → 'unspecified'
 */
export function parseSex(s: string): Sex | undefined {
  if (s.length > 32) return undefined;
  return SEX_BY_TOKEN.get(s.normalize('NFKC').trim().toLowerCase());
}
