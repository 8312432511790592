import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError, type Clock, STAFF_ROLES, type StaffRole, uuidv7 } from '../core/index.ts';
import { validateCorporateNumber, validateMunicipalityCode } from '../number/index.ts';
import { type AnyDb, type DomainMigration, isUniqueViolation } from '../store/index.ts';

/**
 * Institutions and the roles their people hold. Every member of staff and every machine
 * client acts for one institution, in a role its kind allows: a clerk for a municipality,
 * a receptionist for a clinic, an officer for an insurer. An operator creates
 * institutions, grants roles and issues machine credentials; a person takes up a grant by
 * signing in with their own card and redeeming a one-time enrolment code, so the operator
 * never needs anyone's register data.
 */
export const INSTITUTION_KINDS = [
  'operator',
  'municipality',
  'medical',
  'insurer',
  'licensing',
  'business',
  'service',
] as const;
export type InstitutionKind = (typeof INSTITUTION_KINDS)[number];

/** Which roles an institution of each kind can give. */
export const ROLES_BY_KIND: Readonly<Record<InstitutionKind, readonly StaffRole[]>> = {
  operator: ['operator', 'auditor'],
  // Auditors work for the operator (nationwide oversight), not for one municipality.
  municipality: ['clerk', 'supervisor'],
  medical: ['clinic-receptionist'],
  insurer: ['insurer-officer'],
  licensing: ['licensing-officer'],
  business: ['business-user', 'relying-party'],
  service: ['relying-party'],
};

/** What an institution may receive beyond its role, granted by an operator. */
export const ENTITLEMENTS = ['signer-items', 'change-tracking'] as const;
export type Entitlement = (typeof ENTITLEMENTS)[number];

/** The operator institution every installation has; created by the migration. */
export const OPERATOR_INSTITUTION_ID = '00000000-0000-7000-8000-000000000001';

/** An enrolment code is valid for a week and works once. */
export const ENROLMENT_TTL_MS = 7 * 24 * 3_600_000;

export interface Institution {
  readonly id: string;
  readonly kind: InstitutionKind;
  /** Municipality code, medical institution code, insurer number or corporate number. */
  readonly code: string | null;
  readonly name: string;
  readonly entitlements: readonly Entitlement[];
  readonly createdAt: string;
}

export type GrantStatus = 'pending' | 'active' | 'revoked' | 'expired';

export interface StaffGrant {
  readonly id: string;
  readonly institutionId: string;
  readonly role: StaffRole;
  /** A label the operator chose (a name or desk), shown in staff lists and access records. */
  readonly label: string;
  readonly status: GrantStatus;
  readonly grantedBy: string;
  readonly grantedAt: string;
  readonly enrolledAt: string | null;
  readonly revokedAt: string | null;
}

type Tables = {
  institution: {
    id: string;
    kind: string;
    code: string | null;
    name: string;
    entitlements: string;
    created_at: string;
  };
  staff_grant: {
    id: string;
    institution_id: string;
    role: string;
    label: string;
    resident_id: string | null;
    enrolment_hash: string | null;
    enrolment_expires_at: string | null;
    granted_by: string;
    granted_at: string;
    enrolled_at: string | null;
    revoked_at: string | null;
  };
};

export const institutionMigrations: DomainMigration[] = [
  {
    name: '0009-auth-institutions',
    async up(db) {
      await db.schema
        .createTable('institution')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('code', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('entitlements', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('institution_kind_code')
        .on('institution')
        .columns(['kind', 'code'])
        .unique()
        .execute();
      await db.schema
        .createTable('staff_grant')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('institution_id', 'text', (c) => c.notNull().references('institution.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('resident_id', 'text')
        .addColumn('enrolment_hash', 'text')
        .addColumn('enrolment_expires_at', 'text')
        .addColumn('granted_by', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'text', (c) => c.notNull())
        .addColumn('enrolled_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('staff_grant_resident').on('staff_grant').column('resident_id').execute();
      await db.schema
        .createIndex('staff_grant_enrolment')
        .on('staff_grant')
        .column('enrolment_hash')
        .unique()
        .execute();
      await db.schema
        .createIndex('staff_grant_institution')
        .on('staff_grant')
        .column('institution_id')
        .execute();
      await db
        .withTables<Tables>()
        .insertInto('institution')
        .values({
          id: OPERATOR_INSTITUTION_ID,
          kind: 'operator',
          code: null,
          name: 'Myna operations / Myna 運用',
          entitlements: '[]',
          created_at: '1970-01-01T00:00:00.000Z',
        })
        .execute();
      // Credentials issued before institutions existed belong to the operator institution.
      await db.schema.alterTable('staff_credential').addColumn('institution_id', 'text').execute();
      await db.schema.alterTable('staff_credential').addColumn('previous_hash', 'text').execute();
      await db.schema.alterTable('staff_credential').addColumn('previous_valid_until', 'text').execute();
      await db
        .withTables<{ staff_credential: { institution_id: string | null } }>()
        .updateTable('staff_credential')
        .set({ institution_id: OPERATOR_INSTITUTION_ID })
        .execute();
    },
  },
];

const invalid = (code: string, message: string) => new AppError(code, 'invalid', message);
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
/** Crockford base32 without the letters people misread (I, L, O, U). */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function newEnrolmentCode(): string {
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) out += ALPHABET[bytes[i]! % 32];
  return out.match(/.{4}/g)!.join('-');
}

/** Accepts the code as printed, in any case, with or without dashes and spaces. */
export function normalizeEnrolmentCode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (!/^[0-9A-HJKMNP-TV-Z]{16}$/.test(compact)) return undefined;
  return compact.match(/.{4}/g)!.join('-');
}

/** Checks an institution code against its kind; returns the normalised code. */
export function validateInstitutionCode(kind: InstitutionKind, code: string | undefined): string | null {
  const c = code?.trim() ?? '';
  const need = (ok: boolean, message: string): void => {
    if (!ok) throw invalid('AUTH_INSTITUTION_CODE', message);
  };
  switch (kind) {
    case 'operator':
    case 'service':
      need(c === '' || /^\d{13}$/.test(c), 'a service may give its 13-digit corporate number, or nothing');
      if (c !== '') {
        const v = validateCorporateNumber(c);
        need(v.ok, `the corporate number is not valid${v.ok ? '' : `: ${v.message}`}`);
      }
      return c === '' ? null : c;
    case 'municipality': {
      const v = validateMunicipalityCode(c);
      need(v.ok, `a municipality needs its 6-digit local government code${v.ok ? '' : `: ${v.message}`}`);
      return c;
    }
    case 'medical':
      need(/^\d{10}$/.test(c), 'a medical institution needs its 10-digit medical institution code');
      return c;
    case 'insurer':
      need(
        /^(\d{6}|\d{8})$/.test(c) && luhnValid(c),
        'an insurer needs its insurer number (6 or 8 digits, Luhn)',
      );
      return c;
    case 'licensing':
      need(
        /^\d{2}$/.test(c) && Number(c) >= 1 && Number(c) <= 47,
        'a licensing authority needs its prefecture code 01-47',
      );
      return c;
    case 'business': {
      const v = validateCorporateNumber(c);
      need(v.ok, `a business needs its 13-digit corporate number${v.ok ? '' : `: ${v.message}`}`);
      return c;
    }
  }
}

/** The insurer number's check digit (DOMAIN.md §2.1): Luhn over the body. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  const body = digits.slice(0, -1);
  for (let i = 0; i < body.length; i++) {
    const d = Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 2 : 1);
    sum += d > 9 ? d - 9 : d;
  }
  return (10 - (sum % 10)) % 10 === Number(digits.at(-1));
}

function toInstitution(r: Tables['institution']): Institution {
  return {
    id: r.id,
    kind: r.kind as InstitutionKind,
    code: r.code,
    name: r.name,
    entitlements: JSON.parse(r.entitlements) as Entitlement[],
    createdAt: r.created_at,
  };
}

function grantStatus(r: Tables['staff_grant'], now: Date): GrantStatus {
  if (r.revoked_at !== null) return 'revoked';
  if (r.resident_id !== null) return 'active';
  if (r.enrolment_expires_at !== null && new Date(r.enrolment_expires_at) <= now) return 'expired';
  return 'pending';
}

function toGrant(r: Tables['staff_grant'], now: Date): StaffGrant {
  return {
    id: r.id,
    institutionId: r.institution_id,
    role: r.role as StaffRole,
    label: r.label,
    status: grantStatus(r, now),
    grantedBy: r.granted_by,
    grantedAt: r.granted_at,
    enrolledAt: r.enrolled_at,
    revokedAt: r.revoked_at,
  };
}

function checkLabel(label: string): string {
  const l = label.trim();
  if (l === '' || l.length > 100) throw invalid('AUTH_INVALID_LABEL', 'a label has 1-100 characters');
  return l;
}

function checkEntitlements(list: readonly string[]): Entitlement[] {
  for (const e of list)
    if (!(ENTITLEMENTS as readonly string[]).includes(e))
      throw invalid('AUTH_UNKNOWN_ENTITLEMENT', `entitlements are ${ENTITLEMENTS.join(', ')}`);
  return [...new Set(list as Entitlement[])].sort();
}

/** Throws unless an institution of this kind can give the role. */
export function assertRoleFits(institution: Institution, role: string): StaffRole {
  if (!(STAFF_ROLES as readonly string[]).includes(role))
    throw invalid('AUTH_UNKNOWN_ROLE', `role must be one of ${STAFF_ROLES.join(', ')}`);
  if (!ROLES_BY_KIND[institution.kind].includes(role as StaffRole))
    throw invalid(
      'AUTH_ROLE_NOT_FOR_INSTITUTION',
      `institutions of kind ${institution.kind} give only: ${ROLES_BY_KIND[institution.kind].join(', ')}`,
    );
  return role as StaffRole;
}

export function createInstitutions(deps: { db: AnyDb; clock: Clock }) {
  const t = (db: AnyDb = deps.db): Kysely<Tables> => db.withTables<Tables>();

  const get = async (id: string): Promise<Institution> => {
    const row = await t().selectFrom('institution').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined)
      throw new AppError('AUTH_INSTITUTION_NOT_FOUND', 'not-found', 'no such institution');
    return toInstitution(row);
  };

  const grantRow = async (id: string) => {
    const row = await t().selectFrom('staff_grant').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw new AppError('AUTH_GRANT_NOT_FOUND', 'not-found', 'no such grant');
    return row;
  };

  return {
    get,

    async create(input: {
      kind: string;
      name: string;
      code?: string | undefined;
      entitlements?: readonly string[] | undefined;
    }): Promise<Institution> {
      if (!(INSTITUTION_KINDS as readonly string[]).includes(input.kind))
        throw invalid('AUTH_INSTITUTION_KIND', `kind must be one of ${INSTITUTION_KINDS.join(', ')}`);
      const kind = input.kind as InstitutionKind;
      if (kind === 'operator') throw invalid('AUTH_INSTITUTION_KIND', 'there is one operator institution');
      const name = input.name.trim();
      if (name === '' || name.length > 200)
        throw invalid('AUTH_INSTITUTION_NAME', 'an institution needs a name of 1-200 characters');
      const row = {
        id: uuidv7(deps.clock.now().getTime()),
        kind,
        code: validateInstitutionCode(kind, input.code),
        name,
        entitlements: JSON.stringify(checkEntitlements(input.entitlements ?? [])),
        created_at: deps.clock.now().toISOString(),
      };
      if (row.code !== null) {
        const clash = await t()
          .selectFrom('institution')
          .select('id')
          .where('kind', '=', kind)
          .where('code', '=', row.code)
          .executeTakeFirst();
        if (clash !== undefined)
          throw new AppError('AUTH_INSTITUTION_EXISTS', 'conflict', `a ${kind} with code ${row.code} exists`);
      }
      try {
        await t().insertInto('institution').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error))
          throw new AppError('AUTH_INSTITUTION_EXISTS', 'conflict', `a ${kind} with code ${row.code} exists`);
        throw error;
      }
      return toInstitution(row);
    },

    /** The institution of a kind and code, if registered (used by seeding, idempotently). */
    async byCode(kind: InstitutionKind, code: string): Promise<Institution | undefined> {
      const row = await t()
        .selectFrom('institution')
        .selectAll()
        .where('kind', '=', kind)
        .where('code', '=', code)
        .executeTakeFirst();
      return row === undefined ? undefined : toInstitution(row);
    },

    async list(): Promise<Institution[]> {
      const rows = await t().selectFrom('institution').selectAll().orderBy('id').execute();
      return rows.map(toInstitution);
    },

    async setEntitlements(id: string, entitlements: readonly string[]): Promise<Institution> {
      const institution = await get(id);
      await t()
        .updateTable('institution')
        .set({ entitlements: JSON.stringify(checkEntitlements(entitlements)) })
        .where('id', '=', institution.id)
        .execute();
      return get(id);
    },

    grants: {
      /**
       * Grants a role at an institution. Without `residentId` the grant waits for its
       * holder to redeem the returned one-time code after signing in with their card.
       */
      async create(
        input: { institutionId: string; role: string; label: string; residentId?: string },
        grantedBy: string,
      ): Promise<{ grant: StaffGrant; enrolmentCode?: string; enrolmentExpiresAt?: string }> {
        const institution = await get(input.institutionId);
        const role = assertRoleFits(institution, input.role);
        if (role === 'relying-party')
          throw invalid('AUTH_ROLE_MACHINE_ONLY', 'relying-party is a role for machine credentials only');
        const now = deps.clock.now();
        const code = input.residentId === undefined ? newEnrolmentCode() : undefined;
        const expires = new Date(now.getTime() + ENROLMENT_TTL_MS).toISOString();
        const row = {
          id: uuidv7(now.getTime()),
          institution_id: institution.id,
          role,
          label: checkLabel(input.label),
          resident_id: input.residentId ?? null,
          enrolment_hash: code === undefined ? null : sha256(code),
          enrolment_expires_at: code === undefined ? null : expires,
          granted_by: grantedBy,
          granted_at: now.toISOString(),
          enrolled_at: code === undefined ? now.toISOString() : null,
          revoked_at: null,
        };
        await t().insertInto('staff_grant').values(row).execute();
        return {
          grant: toGrant(row, now),
          ...(code === undefined ? {} : { enrolmentCode: code, enrolmentExpiresAt: expires }),
        };
      },

      /** Binds a pending grant to the person who redeems its code (signed in with their card). */
      async enrol(code: string, residentId: string): Promise<StaffGrant> {
        const normal = normalizeEnrolmentCode(code);
        const wrong = () => new AppError('AUTH_ENROLMENT_CODE', 'invalid', 'the enrolment code is not valid');
        if (normal === undefined) throw wrong();
        const now = deps.clock.now();
        const row = await t()
          .selectFrom('staff_grant')
          .selectAll()
          .where('enrolment_hash', '=', sha256(normal))
          .executeTakeFirst();
        if (row === undefined) throw wrong();
        const status = grantStatus(row, now);
        if (status === 'expired')
          throw new AppError(
            'AUTH_ENROLMENT_EXPIRED',
            'invalid',
            'the enrolment code has expired; ask for a new one',
          );
        if (status !== 'pending')
          throw new AppError(
            'AUTH_ENROLMENT_USED',
            'conflict',
            'the enrolment code has been used or revoked',
          );
        const done = await t()
          .updateTable('staff_grant')
          .set({ resident_id: residentId, enrolled_at: now.toISOString(), enrolment_hash: null })
          .where('id', '=', row.id)
          .where('resident_id', 'is', null)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) !== 1)
          throw new AppError(
            'AUTH_ENROLMENT_USED',
            'conflict',
            'the enrolment code has been used or revoked',
          );
        return toGrant(await grantRow(row.id), now);
      },

      async revoke(id: string): Promise<StaffGrant> {
        const now = deps.clock.now();
        const r = await t()
          .updateTable('staff_grant')
          .set({ revoked_at: now.toISOString(), enrolment_hash: null })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1)
          throw new AppError('AUTH_GRANT_NOT_FOUND', 'not-found', 'no grant in force has this id');
        return toGrant(await grantRow(id), now);
      },

      async list(institutionId: string): Promise<StaffGrant[]> {
        await get(institutionId);
        const now = deps.clock.now();
        const rows = await t()
          .selectFrom('staff_grant')
          .selectAll()
          .where('institution_id', '=', institutionId)
          .orderBy('id')
          .execute();
        return rows.map((r) => toGrant(r, now));
      },

      /** The grants in force for a person, with their institutions. */
      async ofResident(residentId: string): Promise<Array<StaffGrant & { institution: Institution }>> {
        const now = deps.clock.now();
        const rows = await t()
          .selectFrom('staff_grant')
          .innerJoin('institution', 'institution.id', 'staff_grant.institution_id')
          .selectAll('staff_grant')
          .select([
            'institution.kind as i_kind',
            'institution.code as i_code',
            'institution.name as i_name',
            'institution.entitlements as i_entitlements',
            'institution.created_at as i_created_at',
          ])
          .where('staff_grant.resident_id', '=', residentId)
          .where('staff_grant.revoked_at', 'is', null)
          .orderBy('staff_grant.id')
          .execute();
        return rows.map((r) => ({
          ...toGrant(r, now),
          institution: toInstitution({
            id: r.institution_id,
            kind: r.i_kind,
            code: r.i_code,
            name: r.i_name,
            entitlements: r.i_entitlements,
            created_at: r.i_created_at,
          }),
        }));
      },

      /** A grant in force held by this person, or AUTH_GRANT_NOT_HELD. */
      async held(grantId: string, residentId: string): Promise<StaffGrant & { institution: Institution }> {
        const mine = await this.ofResident(residentId);
        const g = mine.find((x) => x.id === grantId);
        if (g === undefined)
          throw new AppError('AUTH_GRANT_NOT_HELD', 'forbidden', 'you hold no grant in force with this id');
        return g;
      },
    },
  };
}

export type Institutions = ReturnType<typeof createInstitutions>;
