/** Small helpers shared by the benchmarks: timing, percentiles, and printing ratios. */
import { performance } from 'node:perf_hooks';

export function time<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

export async function timeAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

/** Latencies in microseconds of `count` calls, after `warmup` unmeasured ones. */
export async function latencies(
  count: number,
  warmup: number,
  call: (i: number) => unknown,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await call(i);
  const out: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call(i + warmup);
    out[i] = (performance.now() - start) * 1000;
  }
  return out.sort((a, b) => a - b);
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function line(
  label: string,
  value: string,
  ratio?: { value: number; against: string; goal?: string },
): void {
  const r =
    ratio === undefined
      ? ''
      : `  ratio ${ratio.value.toFixed(2)} vs ${ratio.against}${ratio.goal ? ` (goal ${ratio.goal})` : ''}`;
  process.stdout.write(`${label.padEnd(46)} ${value.padStart(18)}${r}\n`);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
