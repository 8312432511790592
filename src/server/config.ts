import { join, resolve } from 'node:path';

/**
 * Configuration, read once from the environment at start into a frozen object. Bad
 * values stop the start with a message naming the variable; nothing below reads
 * `process.env` again.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** `postgres://…` to run on PostgreSQL; unset for the embedded SQLite file. */
  readonly databaseUrl: string | undefined;
  readonly sqlitePath: string;
  readonly keyFile: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest JSON body, in bytes. */
  readonly bodyLimit: number;
  /** Largest CSV upload to the import endpoint, in bytes. */
  readonly importLimit: number;
  /** Requests per minute per client address on the public look-up routes (card applications). */
  readonly rateLimit: number;
  /** The address residents and relying parties reach (letters' QR codes, CRL and OCSP URLs). */
  readonly publicUrl: string;
  /** Where the CA keys live: encrypted PKCS#8 files, or a PKCS#11 token (an HSM). */
  readonly pkiKeyStore:
    | { readonly kind: 'file'; readonly dir: string }
    | {
        readonly kind: 'pkcs11';
        readonly library: string;
        readonly tokenLabel: string;
        readonly pin: string;
      };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The environment variables Myna reads, with their meaning (printed by `myna --help`). */
export const ENVIRONMENT: Readonly<Record<string, string>> = {
  PORT: 'HTTP port (default 8080)',
  HOST: 'address to listen on (default 127.0.0.1; 0.0.0.0 for all interfaces)',
  DATABASE_URL: 'postgres://user@host:5432/db to use PostgreSQL; unset for embedded SQLite',
  MYNA_DATA_DIR: 'folder for the SQLite file and the key file (default ./data)',
  MYNA_SQLITE_PATH: 'SQLite database file (default $MYNA_DATA_DIR/myna.db)',
  MYNA_KEY_FILE: 'master key file, created on first start (default $MYNA_DATA_DIR/keys/master-key.json)',
  LOG_LEVEL: 'fatal, error, warn, info (default), debug, trace or silent',
  MYNA_BODY_LIMIT: 'largest JSON request body in bytes (default 1048576)',
  MYNA_IMPORT_LIMIT: 'largest CSV upload in bytes (default 268435456)',
  MYNA_RATE_LIMIT:
    'requests per minute per client address to the public card-application routes (default 30)',
  MYNA_PUBLIC_URL:
    'address residents and relying parties use, in letters, CRL and OCSP URLs (default http://HOST:PORT)',
  MYNA_PKI_KEY_STORE: 'file (default: encrypted PKCS#8 files in $MYNA_DATA_DIR/pki) or pkcs11',
  MYNA_PKCS11_LIBRARY: 'PKCS#11 module for MYNA_PKI_KEY_STORE=pkcs11 (e.g. /usr/lib/softhsm/libsofthsm2.so)',
  MYNA_PKCS11_TOKEN: 'label of the PKCS#11 token holding the CA keys',
  MYNA_PKCS11_PIN: 'user PIN of that token',
  MYNA_SIGNATURE_PASSWORD: 'myna card: the signature password (asked on the terminal when unset)',
  MYNA_AUTH_PIN: 'myna card: the 4-digit authentication PIN',
  MYNA_TEXT_PIN: 'myna card: the 4-digit card-info PIN',
  MYNA_CURRENT_PIN: 'myna card change-pin: the current PIN',
  MYNA_NEW_PIN: 'myna card change-pin: the new PIN',
};

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = resolve(env['MYNA_DATA_DIR'] || 'data');
  const logLevel = (env['LOG_LEVEL'] || 'info') as Config['logLevel'];
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(
      `LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "${logLevel}"`,
    );
  }
  const databaseUrl = env['DATABASE_URL'] || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      'DATABASE_URL must start with postgres:// (unset it to use the embedded SQLite file)',
    );
  }
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = env['HOST'] || '127.0.0.1';
  const publicUrl = (
    env['MYNA_PUBLIC_URL'] || `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`
  ).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(publicUrl))
    throw new ConfigError(`MYNA_PUBLIC_URL must be an http(s) URL, not "${publicUrl}"`);
  return Object.freeze({
    port,
    host,
    databaseUrl,
    sqlitePath: resolve(env['MYNA_SQLITE_PATH'] || join(dataDir, 'myna.db')),
    keyFile: resolve(env['MYNA_KEY_FILE'] || join(dataDir, 'keys', 'master-key.json')),
    logLevel,
    bodyLimit: integer(env, 'MYNA_BODY_LIMIT', 1_048_576, 1024, 1_073_741_824),
    importLimit: integer(env, 'MYNA_IMPORT_LIMIT', 268_435_456, 1024, 4_294_967_296),
    rateLimit: integer(env, 'MYNA_RATE_LIMIT', 30, 1, 1_000_000),
    publicUrl,
    pkiKeyStore: pkiKeyStore(env, dataDir),
    ...overrides,
  });
}

function pkiKeyStore(env: NodeJS.ProcessEnv, dataDir: string): Config['pkiKeyStore'] {
  const kind = env['MYNA_PKI_KEY_STORE'] || 'file';
  if (kind === 'file') return { kind, dir: join(dataDir, 'pki') };
  if (kind !== 'pkcs11') throw new ConfigError(`MYNA_PKI_KEY_STORE must be file or pkcs11, not "${kind}"`);
  const need = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '')
      throw new ConfigError(`${name} must be set when MYNA_PKI_KEY_STORE=pkcs11`);
    return value;
  };
  return {
    kind,
    library: need('MYNA_PKCS11_LIBRARY'),
    tokenLabel: need('MYNA_PKCS11_TOKEN'),
    pin: need('MYNA_PKCS11_PIN'),
  };
}
