import type { Actor } from '../../src/core/index.ts';
import { fixedClock } from '../../src/core/index.ts';
import { keyRingFromSecret } from '../../src/keys/index.ts';
import { createNumberVault } from '../../src/number/index.ts';
import { createRegistry, migrations, type Registry } from '../../src/registry/index.ts';
import type { DialectName } from '../../src/store/index.ts';
import { migrate } from '../../src/store/index.ts';
import { createTestStore, type TestStore } from './stores.ts';

export const CHIYODA = '131016';
export const MUSASHINO = '132039';

export const clerk: Actor = { id: 'staff-clerk', role: 'clerk', purpose: 'counter-service' };
export const supervisor: Actor = {
  id: 'staff-supervisor',
  role: 'supervisor',
  purpose: 'registration-review',
};

export interface TestRegistry extends TestStore {
  readonly registry: Registry;
  readonly clock: ReturnType<typeof fixedClock>;
}

export async function createTestRegistry(dialect: DialectName): Promise<TestRegistry> {
  const t = await createTestStore(dialect);
  await migrate(t.store, migrations);
  const clock = fixedClock('2026-04-01T03:00:00Z');
  const keys = keyRingFromSecret(Buffer.alloc(32, 3), 'test');
  const registry = createRegistry({
    store: t.store,
    clock,
    keys,
    vault: createNumberVault(keys, t.store.capabilities),
  });
  await registry.municipalities.seed();
  return { ...t, registry, clock };
}

/** A valid resident, with overrides. */
export function person(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    municipalityCode: CHIYODA,
    familyName: '髙橋',
    givenName: '一郎',
    familyNameKana: 'タカハシ',
    givenNameKana: 'イチロウ',
    birthDate: '1980-02-29',
    sex: 'male',
    postalCode: '100-0013',
    address: '東京都千代田区霞が関1丁目2番3号',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
}
