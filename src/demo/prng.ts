/**
 * A small, fast, seeded pseudo-random generator (mulberry32). The demo data must be
 * reproducible from a seed and cheap enough to draw millions of values per second;
 * it is not, and need not be, cryptographically strong.
 */
export interface Rng {
  /** A uniform unsigned 32-bit integer. */
  u32(): number;
  /** A uniform float in [0, 1). */
  float(): number;
  /** A uniform integer in [0, n). */
  int(n: number): number;
  /** A uniform integer in [lo, hi] (both inclusive). */
  range(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
}

const TWO_POW_32 = 4294967296;

/**
 * Creates a generator from a seed. Different seeds give unrelated streams; the seed is
 * first scrambled so that neighbouring seeds (1, 2, 3…) do not start alike.
 *
 * @example
 * const rng = createRng(42);
 * rng.range(1, 6); // a die roll, the same on every run
 */
export function createRng(seed: number): Rng {
  let state = scramble(seed >>> 0);
  const u32 = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const float = (): number => u32() / TWO_POW_32;
  const int = (n: number): number => Math.floor((u32() / TWO_POW_32) * n);
  return {
    u32,
    float,
    int,
    range: (lo, hi) => lo + int(hi - lo + 1),
    chance: (p) => u32() / TWO_POW_32 < p,
  };
}

/** A 32-bit integer hash (from the murmur3 finaliser) used to spread seeds and keys. */
export function scramble(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
