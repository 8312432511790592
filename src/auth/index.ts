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
  STAFF_ROLES,
  type StaffCredential,
  type StaffCredentials,
} from './staff-credentials.ts';
