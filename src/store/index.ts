export {
  type AnyDb,
  type Capabilities,
  clusteredByPrimaryKey,
  type DialectName,
  openStore,
  type Store,
  type StoreOptions,
} from './database.ts';
export { insertRows } from './insert-rows.ts';
export { type DomainMigration, MigrationError, migrate } from './migrate.ts';
export {
  appendEvent,
  dispatchOutbox,
  type OutboxEvent,
  type OutboxHandler,
  outboxMigration,
  pendingEvents,
} from './outbox.ts';
export { selectByPairs } from './select-by-pairs.ts';
export { isUniqueViolation } from './unique-violation.ts';
