import type { Kysely } from 'kysely';
import { uuidv7 } from '../core/index.ts';
import type { AnyDb } from './database.ts';
import type { DomainMigration } from './migrate.ts';

/**
 * The transactional outbox. A domain appends an event in the same transaction as the
 * change it announces, so an event exists if and only if the change committed; a
 * dispatcher later hands each event to its handlers, at least once. Payloads carry ids
 * and pseudonyms only, never numbers, names or addresses.
 */
type OutboxTables = {
  outbox_event: {
    id: string;
    topic: string;
    payload: string;
    created_at: string;
    dispatched_at: string | null;
    attempts: number;
    last_error: string | null;
  };
};

export interface OutboxEvent {
  readonly id: string;
  readonly topic: string;
  readonly payload: Readonly<Record<string, string | number | boolean | null>>;
  readonly createdAt: string;
}

export const outboxMigration: DomainMigration = {
  name: '0000-store-outbox',
  async up(db) {
    await db.schema
      .createTable('outbox_event')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('topic', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('dispatched_at', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .execute();
    await db.schema
      .createIndex('outbox_event_pending')
      .on('outbox_event')
      .columns(['dispatched_at', 'id'])
      .execute();
  },
};

function tables(db: AnyDb): Kysely<OutboxTables> {
  return db.withTables<OutboxTables>();
}

/** Appends an event; call it with the transaction that makes the change. */
export async function appendEvent(
  db: AnyDb,
  event: { topic: string; payload: OutboxEvent['payload']; at: Date },
): Promise<void> {
  await tables(db)
    .insertInto('outbox_event')
    .values({
      id: uuidv7(event.at.getTime()),
      topic: event.topic,
      payload: JSON.stringify(event.payload),
      created_at: event.at.toISOString(),
      dispatched_at: null,
      attempts: 0,
      last_error: null,
    })
    .execute();
}

export type OutboxHandler = (event: OutboxEvent) => Promise<void>;

/**
 * Delivers pending events in order, one batch. An event whose handler throws stays
 * pending (its attempt count and error are kept) and is retried on the next call; the
 * events behind it still go, since topics are independent.
 */
export async function dispatchOutbox(
  db: AnyDb,
  handlers: ReadonlyMap<string, readonly OutboxHandler[]>,
  options: { now: () => Date; batchSize?: number },
): Promise<{ delivered: number; failed: number }> {
  const t = tables(db);
  const pending = await t
    .selectFrom('outbox_event')
    .selectAll()
    .where('dispatched_at', 'is', null)
    .orderBy('id')
    .limit(options.batchSize ?? 100)
    .execute();
  let delivered = 0;
  let failed = 0;
  for (const row of pending) {
    const event: OutboxEvent = {
      id: row.id,
      topic: row.topic,
      payload: JSON.parse(row.payload) as OutboxEvent['payload'],
      createdAt: row.created_at,
    };
    try {
      for (const handler of handlers.get(row.topic) ?? []) await handler(event);
      await t
        .updateTable('outbox_event')
        .set({ dispatched_at: options.now().toISOString(), attempts: row.attempts + 1, last_error: null })
        .where('id', '=', row.id)
        .execute();
      delivered++;
    } catch (error) {
      await t
        .updateTable('outbox_event')
        .set({ attempts: row.attempts + 1, last_error: String(error).slice(0, 500) })
        .where('id', '=', row.id)
        .execute();
      failed++;
    }
  }
  return { delivered, failed };
}

export async function pendingEvents(db: AnyDb): Promise<OutboxEvent[]> {
  const rows = await tables(db)
    .selectFrom('outbox_event')
    .selectAll()
    .where('dispatched_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    topic: r.topic,
    payload: JSON.parse(r.payload) as OutboxEvent['payload'],
    createdAt: r.created_at,
  }));
}
