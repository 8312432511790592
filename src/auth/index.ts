export {
  authMigrations,
  createStaffCredentials,
  STAFF_ROLES,
  type StaffCredential,
  type StaffCredentials,
} from './staff-credentials.ts';
