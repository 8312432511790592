import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError, type Clock, type StaffRole, uuidv7 } from '../core/index.ts';
import type { AnyDb, DomainMigration } from '../store/index.ts';
import { assertRoleFits, type Institutions, OPERATOR_INSTITUTION_ID } from './institutions.ts';

/**
 * Machine credentials: issued by an operator to an institution's systems (a clinic's
 * reception system, an insurer's batch, a relying party's server), each for one role at
 * that institution. A credential is a bearer token `myna_<id>.<secret>`; only a SHA-256
 * hash of the secret is stored (the secret has 256 random bits, so a slow hash would add
 * nothing). Rotation issues a new secret under the same id; the old one can keep working
 * for a grace period so a client can switch without downtime. Revocation is immediate.
 */
export { STAFF_ROLES } from '../core/index.ts';

export interface StaffCredential {
  readonly id: string;
  readonly label: string;
  readonly role: StaffRole;
  readonly institutionId: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  /** Until when the secret before the last rotation still works, if it does. */
  readonly previousValidUntil: string | null;
}

type AuthTables = {
  staff_credential: {
    id: string;
    label: string;
    role: string;
    secret_hash: Buffer;
    created_at: string;
    revoked_at: string | null;
    institution_id: string | null;
    previous_hash: string | null;
    previous_valid_until: string | null;
  };
};

/** The longest grace period a rotation may give the old secret. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

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

function toCredential(
  r: Omit<AuthTables['staff_credential'], 'secret_hash' | 'previous_hash'>,
): StaffCredential {
  return {
    id: r.id,
    label: r.label,
    role: r.role as StaffRole,
    institutionId: r.institution_id ?? OPERATOR_INSTITUTION_ID,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    previousValidUntil: r.previous_valid_until,
  };
}

const COLUMNS = [
  'id',
  'label',
  'role',
  'created_at',
  'revoked_at',
  'institution_id',
  'previous_valid_until',
] as const;

export function createStaffCredentials(deps: { db: AnyDb; clock: Clock; institutions: Institutions }) {
  const { db, clock, institutions } = deps;
  const newSecret = () => randomBytes(32).toString('base64url');
  return {
    /**
     * Issues a credential for a role at an institution (the operator institution when
     * none is named); the token is shown once and cannot be recovered.
     */
    async issue(
      label: string,
      role: StaffRole,
      institutionId: string = OPERATOR_INSTITUTION_ID,
    ): Promise<{ credential: StaffCredential; token: string }> {
      const institution = await institutions.get(institutionId);
      assertRoleFits(institution, role);
      if (label.trim() === '' || label.length > 100) {
        throw new AppError('AUTH_INVALID_LABEL', 'invalid', 'a credential needs a label of 1-100 characters');
      }
      const id = uuidv7(clock.now().getTime()).replaceAll('-', '');
      const secret = newSecret();
      const row = {
        id,
        label: label.trim(),
        role,
        secret_hash: hash(secret),
        created_at: clock.now().toISOString(),
        revoked_at: null,
        institution_id: institution.id,
        previous_hash: null,
        previous_valid_until: null,
      };
      await tables(db).insertInto('staff_credential').values(row).execute();
      return { credential: toCredential(row), token: `myna_${id}.${secret}` };
    },

    /** The credential a bearer token stands for, or an `AUTH_…` error. */
    async authenticate(token: string): Promise<StaffCredential> {
      const m = TOKEN.exec(token);
      const fail = () =>
        new AppError('AUTH_INVALID_CREDENTIAL', 'unauthenticated', 'the credential is not valid');
      if (m === null) throw fail();
      const row = await tables(db)
        .selectFrom('staff_credential')
        .selectAll()
        .where('id', '=', m[1]!)
        .executeTakeFirst();
      if (row === undefined) throw fail();
      const given = hash(m[2]!);
      const current = timingSafeEqual(Buffer.from(row.secret_hash), given);
      const previous =
        !current &&
        row.previous_hash !== null &&
        row.previous_valid_until !== null &&
        clock.now() < new Date(row.previous_valid_until) &&
        timingSafeEqual(Buffer.from(row.previous_hash, 'hex'), given);
      if (!current && !previous) throw fail();
      if (row.revoked_at !== null)
        throw new AppError('AUTH_REVOKED_CREDENTIAL', 'unauthenticated', 'the credential was revoked');
      return toCredential(row);
    },

    /**
     * A new secret for a credential. The old secret stops at once, or after
     * `graceSeconds` (at most a week) so the client can switch without downtime.
     */
    async rotate(id: string, graceSeconds = 0): Promise<{ credential: StaffCredential; token: string }> {
      if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_ROTATION_GRACE_SECONDS)
        throw new AppError(
          'AUTH_ROTATION_GRACE',
          'invalid',
          `graceSeconds is 0-${MAX_ROTATION_GRACE_SECONDS}`,
        );
      const row = await tables(db)
        .selectFrom('staff_credential')
        .selectAll()
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (row === undefined)
        throw new AppError('AUTH_CREDENTIAL_NOT_FOUND', 'not-found', 'no active credential has this id');
      const secret = newSecret();
      const now = clock.now();
      await tables(db)
        .updateTable('staff_credential')
        .set({
          secret_hash: hash(secret),
          previous_hash: graceSeconds > 0 ? Buffer.from(row.secret_hash).toString('hex') : null,
          previous_valid_until:
            graceSeconds > 0 ? new Date(now.getTime() + graceSeconds * 1000).toISOString() : null,
        })
        .where('id', '=', id)
        .execute();
      const updated = await tables(db)
        .selectFrom('staff_credential')
        .select(COLUMNS)
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return { credential: toCredential(updated), token: `myna_${id}.${secret}` };
    },

    async revoke(id: string): Promise<void> {
      const r = await tables(db)
        .updateTable('staff_credential')
        .set({ revoked_at: clock.now().toISOString(), previous_hash: null, previous_valid_until: null })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) {
        throw new AppError('AUTH_CREDENTIAL_NOT_FOUND', 'not-found', 'no active credential has this id');
      }
    },

    /** The credentials of one institution, or of all. */
    async list(institutionId?: string): Promise<StaffCredential[]> {
      let q = tables(db).selectFrom('staff_credential').select(COLUMNS).orderBy('id');
      if (institutionId !== undefined) q = q.where('institution_id', '=', institutionId);
      const rows = await q.execute();
      return rows.map(toCredential);
    },
  };
}

export type StaffCredentials = ReturnType<typeof createStaffCredentials>;
