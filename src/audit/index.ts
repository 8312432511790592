export {
  type AccessAction,
  type AccessRecord,
  type AccessRecordInput,
  auditMigrations,
  listAccessRecords,
  type PersonalItem,
  recordAccess,
} from './access-record.ts';
