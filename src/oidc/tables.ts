import type { Kysely } from 'kysely';
import type { AnyDb, DomainMigration } from '../store/index.ts';

/**
 * The provider's tables. `oidc_payload` holds every model the library stores
 * (sessions, interactions, grants, codes, tokens) as JSON with its expiry; the other two
 * hold what operators and the key ceremony create: relying parties and the ID-token
 * signing key, each secret sealed under a key derived from the master key.
 */
export type OidcTables = {
  oidc_payload: {
    model: string;
    id: string;
    payload: string;
    grant_id: string | null;
    user_code: string | null;
    uid: string | null;
    expires_at: string | null;
    consumed_at: string | null;
  };
  oidc_client: {
    id: string;
    name: string;
    name_ja: string | null;
    redirect_uris: string;
    post_logout_redirect_uris: string;
    allowed_items: string;
    token_endpoint_auth_method: string;
    secret_sealed: string;
    status: string;
    created_at: string;
    created_by: string;
    disabled_at: string | null;
  };
  oidc_signing_key: {
    slot: string;
    kid: string;
    alg: string;
    private_jwk_sealed: string;
    created_at: string;
  };
};

export const oidcTables = (db: AnyDb): Kysely<OidcTables> => db.withTables<OidcTables>();

export const oidcMigrations: DomainMigration[] = [
  {
    name: '0012-oidc-provider',
    async up(db) {
      await db.schema
        .createTable('oidc_payload')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('user_code', 'text')
        .addColumn('uid', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('consumed_at', 'text')
        .addPrimaryKeyConstraint('oidc_payload_pk', ['model', 'id'])
        .execute();
      await db.schema.createIndex('oidc_payload_uid').on('oidc_payload').columns(['model', 'uid']).execute();
      await db.schema
        .createIndex('oidc_payload_grant')
        .on('oidc_payload')
        .columns(['model', 'grant_id'])
        .execute();
      await db.schema.createIndex('oidc_payload_expiry').on('oidc_payload').column('expires_at').execute();
      await db.schema
        .createTable('oidc_client')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_ja', 'text')
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
        .addColumn('allowed_items', 'text', (c) => c.notNull())
        .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull())
        .addColumn('secret_sealed', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .execute();
      await db.schema
        .createTable('oidc_signing_key')
        .addColumn('slot', 'text', (c) => c.primaryKey())
        .addColumn('kid', 'text', (c) => c.notNull())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('private_jwk_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('oidc_signing_key').execute();
      await db.schema.dropTable('oidc_client').execute();
      await db.schema.dropTable('oidc_payload').execute();
    },
  },
];
