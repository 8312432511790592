/**
 * Characters that NFKC may still combine with their neighbour: combining marks (\p{M},
 * which includes the kana voicing marks U+3099/U+309A) and conjoining Hangul jamo. If a
 * normaliser drops a character that sat between a base and one of these, a second NFKC
 * would compose them, so the key would not be idempotent.
 */
const MAY_COMPOSE = /[\p{M}\u1100-\u11FF\uA960-\uA97F\uD7B0-\uD7FF]/u;

/**
 * Runs one normalising pass and, only when the output still holds characters that could
 * compose with a neighbour (or matches the caller's own `unsettled` pattern, which must
 * have no g flag), repeats it until it stops changing. Ordinary names and addresses
 * match neither, so they pay for exactly one pass.
 */
export function untilStable(pass: (s: string) => string, input: string, unsettled?: RegExp): string {
  let out = pass(input);
  // Four rounds are far more than any real input needs; the bound keeps a pathological
  // string from looping, and the idempotence property tests watch for non-convergence.
  for (let round = 0; round < 4 && (MAY_COMPOSE.test(out) || unsettled?.test(out) === true); round++) {
    const next = pass(out);
    if (next === out) break;
    out = next;
  }
  return out;
}
