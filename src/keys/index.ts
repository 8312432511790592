export { type KeyPurpose, type KeyRing, keyRingFromSecret, loadOrCreateKeyFile } from './key-file.ts';
