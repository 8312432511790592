import { authMigrations, createStaffCredentials, type StaffCredentials } from '../auth/index.ts';
import { type Clock, systemClock } from '../core/index.ts';
import { loadOrCreateKeyFile } from '../keys/index.ts';
import { createNumberVault } from '../number/index.ts';
import { createRegistry, type Registry, migrations as registryMigrations } from '../registry/index.ts';
import { migrate, openStore, type Store } from '../store/index.ts';
import type { Config } from './config.ts';

/** Everything a running Myna holds: built once, shared by the server and the CLI. */
export interface System {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly registry: Registry;
  readonly staff: StaffCredentials;
  readonly keyFileCreated: boolean;
  close(): Promise<void>;
}

export const ALL_MIGRATIONS = [...registryMigrations, ...authMigrations];

export async function openSystem(config: Config, clock: Clock = systemClock): Promise<System> {
  const { ring, created } = loadOrCreateKeyFile(config.keyFile, clock.now());
  const store = openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  try {
    await migrate(store, ALL_MIGRATIONS);
    const vault = createNumberVault(ring, store.capabilities);
    const registry = createRegistry({ store, clock, vault, keys: ring });
    await registry.municipalities.seed();
    return {
      config,
      store,
      clock,
      registry,
      staff: createStaffCredentials({ db: store.db, clock }),
      keyFileCreated: created,
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
