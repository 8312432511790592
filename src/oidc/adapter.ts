import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../core/index.ts';
import type { AnyDb } from '../store/index.ts';
import type { Clients } from './clients.ts';
import { oidcTables } from './tables.ts';

/** Expired rows are swept at most this often, by whichever process writes next. */
const SWEEP_EVERY_MS = 60_000;
const ID = /^[\x21-\x7e]{1,512}$/;

/**
 * The storage the library asks for, over our database (SQLite or PostgreSQL through
 * Kysely): one table of JSON payloads keyed by model and id, with the columns it looks
 * up by (grant, uid, user code) and the expiry. Relying parties come from the
 * operators' registrations instead, so a disabled one is unknown at once.
 */
export function createAdapterFactory(deps: {
  db: AnyDb;
  clock: Clock;
  clients: Pick<Clients, 'metadata'>;
}): (model: string) => Adapter {
  const t = () => oidcTables(deps.db);
  let lastSweep = Number.NEGATIVE_INFINITY;

  const sweep = async (now: Date): Promise<void> => {
    if (now.getTime() - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = now.getTime();
    await t().deleteFrom('oidc_payload').where('expires_at', '<', now.toISOString()).execute();
  };

  const live = (row: { payload: string; expires_at: string | null; consumed_at: string | null }) => {
    if (row.expires_at !== null && new Date(row.expires_at) <= deps.clock.now()) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    if (row.consumed_at !== null) payload.consumed = Math.floor(new Date(row.consumed_at).getTime() / 1000);
    return payload;
  };

  const clientAdapter: Adapter = {
    async find(id) {
      return (await deps.clients.metadata(id)) as AdapterPayload | undefined;
    },
    async upsert() {
      throw new Error('relying parties are registered through the operators’ API');
    },
    async findByUid() {
      return undefined;
    },
    async findByUserCode() {
      return undefined;
    },
    async consume() {},
    async destroy() {},
    async revokeByGrantId() {},
  };

  return (model: string): Adapter => {
    if (model === 'Client') return clientAdapter;
    const one = async (column: 'id' | 'uid' | 'user_code', value: string) => {
      if (typeof value !== 'string' || !ID.test(value)) return undefined;
      const row = await t()
        .selectFrom('oidc_payload')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('model', '=', model)
        .where(column, '=', value)
        .executeTakeFirst();
      return row === undefined ? undefined : live(row);
    };
    return {
      async upsert(id, payload, expiresIn) {
        const now = deps.clock.now();
        const values = {
          payload: JSON.stringify(payload),
          grant_id: payload.grantId ?? null,
          user_code: payload.userCode ?? null,
          uid: payload.uid ?? null,
          expires_at: expiresIn > 0 ? new Date(now.getTime() + expiresIn * 1000).toISOString() : null,
        };
        await t()
          .insertInto('oidc_payload')
          .values({ model, id, consumed_at: null, ...values })
          .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(values))
          .execute();
        await sweep(now);
      },
      find: (id) => one('id', id),
      findByUid: (uid) => one('uid', uid),
      findByUserCode: (userCode) => one('user_code', userCode),
      async consume(id) {
        await t()
          .updateTable('oidc_payload')
          .set({ consumed_at: deps.clock.now().toISOString() })
          .where('model', '=', model)
          .where('id', '=', id)
          .execute();
      },
      async destroy(id) {
        await t().deleteFrom('oidc_payload').where('model', '=', model).where('id', '=', id).execute();
      },
      async revokeByGrantId(grantId) {
        await t()
          .deleteFrom('oidc_payload')
          .where('model', '=', model)
          .where('grant_id', '=', grantId)
          .execute();
      },
    };
  };
}
