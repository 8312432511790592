export {
  type AccessAction,
  type AccessRecord,
  type AccessRecordInput,
  accessRow,
  auditMigrations,
  insertAccessRows,
  listAccessRecords,
  type PersonalItem,
  recordAccess,
} from './access-record.ts';
