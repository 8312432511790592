import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { keyRingFromSecret } from '../src/keys/index.ts';
import {
  createDecimalPermutation,
  createNumberVault,
  individualCheckDigit,
  numberMigrations,
} from '../src/number/index.ts';
import { migrate, openStore } from '../src/store/index.ts';
import { fmt, line, median, time, timeAsync } from './lib.ts';

/**
 * Issuance must cost the same at the first and at the 100,000,000th number: FF1 over a
 * counter needs no uniqueness retry. Measured twice: the permutation alone, and the
 * vault's issue() writing sealed numbers to SQLite, each at counter 0 and at 10^8.
 */
export async function benchIssuance(): Promise<void> {
  process.stdout.write('## Number issuance\n');
  const key = Buffer.alloc(32, 9);
  const p = createDecimalPermutation(key, Buffer.from('individual-number'), 11);
  const batch = 200_000;
  const rate = (start: number): number => {
    const counters = new Float64Array(batch);
    for (let i = 0; i < batch; i++) counters[i] = start + i;
    const { ms } = time(() => {
      const bodies = p.encryptBatch(counters);
      let check = 0;
      for (let i = 0; i < batch; i++) check += individualCheckDigit(String(bodies[i]).padStart(11, '0'));
      return check;
    });
    return batch / (ms / 1000);
  };
  rate(0); // warm up
  // Interleaved rounds, median of each: the machine's noise hits both sides alike.
  const firsts: number[] = [];
  const lates: number[] = [];
  for (let round = 0; round < 7; round++) {
    firsts.push(rate(0));
    lates.push(rate(100_000_000));
  }
  const first = median(firsts);
  const late = median(lates);
  line('permutation + check digit, counter 1', `${fmt(first)} /s`);
  line('permutation + check digit, counter 100,000,000', `${fmt(late)} /s`, {
    value: late / first,
    against: 'counter 1',
    goal: '≈ 1.00',
  });

  const dir = mkdtempSync(join(tmpdir(), 'myna-bench-issue-'));
  try {
    const store = openStore({ sqlitePath: join(dir, 'issue.db') });
    await migrate(store, numberMigrations);
    const vault = createNumberVault(keyRingFromSecret(key, 'bench'), store.capabilities);
    const at = new Date('2026-11-29T00:00:00Z');
    const ids = (prefix: string, n: number): string[] =>
      Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    const issueRate = async (prefix: string): Promise<number> => {
      const n = 20_000;
      const { ms } = await timeAsync(() =>
        store.db.transaction().execute((trx) => vault.issue(trx, ids(prefix, n), at)),
      );
      return n / (ms / 1000);
    };
    await issueRate('warm');
    const early: number[] = [];
    const lateRates: number[] = [];
    for (let round = 0; round < 5; round++) {
      await sql`update number_counter set next_value = ${(round + 1) * 20_000}`.execute(store.db);
      early.push(await issueRate(`a${round}`));
      await sql`update number_counter set next_value = ${100_000_000 + round * 20_000}`.execute(store.db);
      lateRates.push(await issueRate(`b${round}`));
    }
    const vFirst = median(early);
    const vLate = median(lateRates);
    line('vault.issue (sealed, indexed, SQLite), start', `${fmt(vFirst)} /s`);
    line('vault.issue at counter 100,000,000', `${fmt(vLate)} /s`, {
      value: vLate / vFirst,
      against: 'start',
      goal: '≈ 1.00',
    });
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write('\n');
}
