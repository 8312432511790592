import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError, type Clock, type StaffRole, uuidv7 } from '../core/index.ts';
import type { AnyDb, DomainMigration } from '../store/index.ts';

/**
 * Staff credentials issued by an operator command, until staff sign in with their own
 * card. A credential is a bearer token `myna_<id>.<secret>`; only a SHA-256 hash of the
 * secret is stored (the secret has 256 random bits, so a slow hash would add nothing).
 */
export const STAFF_ROLES: readonly StaffRole[] = ['clerk', 'supervisor', 'auditor'];

export interface StaffCredential {
  readonly id: string;
  readonly label: string;
  readonly role: StaffRole;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

type AuthTables = {
  staff_credential: {
    id: string;
    label: string;
    role: string;
    secret_hash: Buffer;
    created_at: string;
    revoked_at: string | null;
  };
};

export const authMigrations: DomainMigration[] = [
  {
    name: '0004-auth-staff-credential',
    async up(db, capabilities) {
      await db.schema
        .createTable('staff_credential')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('secret_hash', capabilities.dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
    },
  },
];

const hash = (secret: string): Buffer => createHash('sha256').update(secret).digest();
const TOKEN = /^myna_([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/;

function tables(db: AnyDb): Kysely<AuthTables> {
  return db.withTables<AuthTables>();
}

function toCredential(r: Omit<AuthTables['staff_credential'], 'secret_hash'>): StaffCredential {
  return {
    id: r.id,
    label: r.label,
    role: r.role as StaffRole,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  };
}

export function createStaffCredentials(deps: { db: AnyDb; clock: Clock }) {
  const { db, clock } = deps;
  return {
    /** Issues a credential; the token is shown once and cannot be recovered. */
    async issue(label: string, role: StaffRole): Promise<{ credential: StaffCredential; token: string }> {
      if (!STAFF_ROLES.includes(role)) {
        throw new AppError('AUTH_UNKNOWN_ROLE', 'invalid', `role must be one of ${STAFF_ROLES.join(', ')}`);
      }
      if (label.trim() === '' || label.length > 100) {
        throw new AppError('AUTH_INVALID_LABEL', 'invalid', 'a credential needs a label of 1-100 characters');
      }
      const id = uuidv7(clock.now().getTime()).replaceAll('-', '');
      const secret = randomBytes(32).toString('base64url');
      const row = {
        id,
        label: label.trim(),
        role,
        secret_hash: hash(secret),
        created_at: clock.now().toISOString(),
        revoked_at: null,
      };
      await tables(db).insertInto('staff_credential').values(row).execute();
      return { credential: toCredential(row), token: `myna_${id}.${secret}` };
    },

    /** The credential a bearer token stands for, or an `AUTH_…` error. */
    async authenticate(token: string): Promise<StaffCredential> {
      const m = TOKEN.exec(token);
      const fail = new AppError('AUTH_INVALID_CREDENTIAL', 'unauthenticated', 'the credential is not valid');
      if (m === null) throw fail;
      const row = await tables(db)
        .selectFrom('staff_credential')
        .selectAll()
        .where('id', '=', m[1]!)
        .executeTakeFirst();
      if (row === undefined || !timingSafeEqual(Buffer.from(row.secret_hash), hash(m[2]!))) throw fail;
      if (row.revoked_at !== null)
        throw new AppError('AUTH_REVOKED_CREDENTIAL', 'unauthenticated', 'the credential was revoked');
      return toCredential(row);
    },

    async revoke(id: string): Promise<void> {
      const r = await tables(db)
        .updateTable('staff_credential')
        .set({ revoked_at: clock.now().toISOString() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) {
        throw new AppError('AUTH_CREDENTIAL_NOT_FOUND', 'not-found', 'no active credential has this id');
      }
    },

    async list(): Promise<StaffCredential[]> {
      const rows = await tables(db)
        .selectFrom('staff_credential')
        .select(['id', 'label', 'role', 'created_at', 'revoked_at'])
        .orderBy('id')
        .execute();
      return rows.map(toCredential);
    },
  };
}

export type StaffCredentials = ReturnType<typeof createStaffCredentials>;
