/**
 * The information-provision network (情報提供ネットワークシステム). For now: the
 * per-institution pseudonyms that let an agency hold its records about a person without
 * the individual number. The only door into src/network/.
 */
export {
  computePseudonym,
  createPseudonyms,
  networkMigrations,
  type PseudonymDeps,
  type Pseudonyms,
} from './pseudonyms.ts';
