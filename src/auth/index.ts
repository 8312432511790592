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
  authMigrations,
  createStaffCredentials,
  STAFF_ROLES,
  type StaffCredential,
  type StaffCredentials,
} from './staff-credentials.ts';
