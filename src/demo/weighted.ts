import type { Rng } from './prng.ts';

/** Draws an index in proportion to its weight, in constant time. */
export type WeightedPicker = (rng: Rng) => number;

const SLOTS = 4096;

/**
 * Builds a picker from weights. It spreads the indexes over a fixed table of slots (largest
 * remainder first), so a draw is one random number and one array read; weights smaller than
 * 1/4096 of the total are rounded up to one slot, which is precise enough for demo data.
 *
 * @example
 * const pick = weightedPicker([3, 1]); // index 0 three times as often as index 1
 */
export function weightedPicker(weights: readonly number[]): WeightedPicker {
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new RangeError('weights must have a positive sum');
  const counts = weights.map((w) => (w > 0 ? Math.max(1, Math.floor((w / total) * SLOTS)) : 0));
  let used = counts.reduce((a, b) => a + b, 0);
  const order = weights.map((w, i) => [i, ((w / total) * SLOTS) % 1] as const).sort((a, b) => b[1] - a[1]);
  for (let k = 0; used < SLOTS; k = (k + 1) % order.length) {
    const i = order[k]?.[0] ?? 0;
    if ((weights[i] ?? 0) > 0) {
      counts[i] = (counts[i] ?? 0) + 1;
      used++;
    }
  }
  const table = new Uint16Array(used);
  let at = 0;
  counts.forEach((c, i) => {
    table.fill(i, at, at + c);
    at += c;
  });
  const size = table.length;
  return (rng) => table[rng.int(size)] ?? 0;
}
