import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestStore, type TestStore } from '../../test/support/stores.ts';
import { fixedClock } from '../core/index.ts';
import { type DialectName, migrate } from '../store/index.ts';
import { createPki, type Pki } from './ca.ts';
import { createFileKeyStore } from './file-key-store.ts';
import type { Holder } from './holder.ts';
import type { KeyStore } from './key-store.ts';
import { pkiMigrations } from './pki-tables.ts';

export const START = '2026-03-01T00:00:00Z';
export const BASE_URL = 'http://127.0.0.1:8080';
export const SECRET = Buffer.alloc(32, 0x5a);

export const holder: Holder = {
  name: '髙橋 一郎',
  birthDate: '1980-02-29',
  sex: 'male',
  address: '東京都千代田区霞が関一丁目2番3号',
};

export interface Run {
  readonly code: number;
  readonly out: string;
}

/** The openssl command line, with stdout and stderr together (it reports on both). */
export function openssl(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile('openssl', [...args], { cwd, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({
        code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
        out: `${String(stdout)}${String(stderr)}`,
      }),
    );
  });
}

import { toPem } from './pem.ts';

export const pem = toPem;

/** A fresh RSA-2048 public key (SPKI, DER), as a card would send it. */
export function cardKey(): Uint8Array {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
}

export interface TestPki {
  readonly t: TestStore;
  readonly pki: Pki;
  readonly clock: ReturnType<typeof fixedClock>;
  readonly keyStore: KeyStore;
  /** Scratch folder for openssl's files (the key files live in `<dir>/keys`). */
  readonly dir: string;
  /** Another Pki on the same database and keys, as a second process would be. */
  another(ocspCacheMs?: number): Pki;
  /** Writes the three CA certificates as root.pem, signature.pem, authentication.pem. */
  writeAuthorities(): Promise<void>;
  write(name: string, data: string | Uint8Array): string;
  /** `-attime` for openssl: the test clock plus a minute. */
  attime(): string;
  dispose(): Promise<void>;
}

export async function createTestPki(
  dialect: DialectName,
  options: { init?: boolean; ocspCacheMs?: number; keyStore?: (dir: string) => KeyStore } = {},
): Promise<TestPki> {
  const t = await createTestStore(dialect);
  await migrate(t.store, pkiMigrations);
  const dir = mkdtempSync(join(tmpdir(), 'myna-pki-'));
  const keyStore =
    options.keyStore?.(join(dir, 'keys')) ?? createFileKeyStore({ dir: join(dir, 'keys'), secret: SECRET });
  const clock = fixedClock(START);
  const make = (ocspCacheMs?: number) =>
    createPki({
      store: t.store,
      clock,
      keyStore,
      baseUrl: BASE_URL,
      ...(ocspCacheMs === undefined ? {} : { ocspCacheMs }),
    });
  const pki = make(options.ocspCacheMs);
  if (options.init !== false) await pki.init();
  const write = (name: string, data: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, data);
    return path;
  };
  return {
    t,
    pki,
    clock,
    keyStore,
    dir,
    another: (ocspCacheMs) => make(ocspCacheMs),
    async writeAuthorities() {
      for (const ca of ['root', 'signature', 'authentication'] as const) {
        write(`${ca}.pem`, pem(await pki.caCertificate(ca)));
      }
    },
    write,
    attime: () => String(Math.floor(clock.now().getTime() / 1000) + 60),
    async dispose() {
      await keyStore.close();
      await t.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
