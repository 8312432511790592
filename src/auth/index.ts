export {
  type CardAuthentication,
  type CardAuthenticator,
  type CardChallenge,
  CHALLENGE_TTL_MS,
  cardAuthMigrations,
  challengeMessage,
  createCardAuthenticator,
} from './card-auth.ts';
export {
  assertRoleFits,
  createInstitutions,
  ENROLMENT_TTL_MS,
  ENTITLEMENTS,
  type Entitlement,
  type GrantStatus,
  INSTITUTION_KINDS,
  type Institution,
  type InstitutionKind,
  type Institutions,
  institutionMigrations,
  normalizeEnrolmentCode,
  OPERATOR_INSTITUTION_ID,
  ROLES_BY_KIND,
  type StaffGrant,
  validateInstitutionCode,
} from './institutions.ts';
export {
  createSessions,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  SESSION_ROTATE_MS,
  type Session,
  type Sessions,
  sessionMigrations,
} from './sessions.ts';
export {
  authMigrations,
  createStaffCredentials,
  MAX_ROTATION_GRACE_SECONDS,
  STAFF_ROLES,
  type StaffCredential,
  type StaffCredentials,
} from './staff-credentials.ts';
