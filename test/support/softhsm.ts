import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * SoftHSM2 for tests: a throwaway token directory and config, and tokens initialized in it.
 * SoftHSM reads SOFTHSM2_CONF once, at C_Initialize, and Cryptoki state is per process: so a
 * test process uses one SoftHSM setup, activated before the first store opens the library.
 * Outside CI a missing SoftHSM skips with a reason; in CI it fails, so the HSM path is always proven.
 */
const run = promisify(execFile);

const LIBRARY_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

export function softHsmLibrary(): string | undefined {
  const fromEnv = process.env['SOFTHSM2_LIB'];
  if (fromEnv) return fromEnv;
  return LIBRARY_CANDIDATES.find((p) => existsSync(p));
}

function utilityAvailable(): boolean {
  const probe = spawnSync('softhsm2-util', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** `false` when SoftHSM2 can be used; otherwise why the tests are skipped. Throws in CI. */
export function softHsmSkip(): string | false {
  const missing = !utilityAvailable()
    ? 'softhsm2-util is not on PATH'
    : softHsmLibrary() === undefined
      ? 'libsofthsm2.so was not found (set SOFTHSM2_LIB)'
      : undefined;
  if (missing === undefined) return false;
  if (process.env['CI']) throw new Error(`${missing}, and CI must test the PKCS#11 key store`);
  return `${missing}: install SoftHSM2 (apt-get install softhsm2) to run the PKCS#11 tests; they run in CI`;
}

export interface SoftHsm {
  readonly library: string;
  /** The SoftHSM2 config file (what SOFTHSM2_CONF points at). */
  readonly conf: string;
  readonly tokenDir: string;
  /** `softhsm2-util --init-token --free --label … --pin … --so-pin …` in this setup. */
  initToken(label: string, pin: string, soPin: string): Promise<void>;
  /** Removes the directory; restores SOFTHSM2_CONF. Close every store first. */
  dispose(): void;
}

/**
 * A temporary SoftHSM2 config whose tokens live in a fresh directory, made the process's
 * SOFTHSM2_CONF (for the library loaded in this process) right away.
 */
export function createSoftHsm(): SoftHsm {
  const library = softHsmLibrary();
  if (!library) throw new Error('libsofthsm2.so was not found (set SOFTHSM2_LIB)');
  const dir = mkdtempSync(join(tmpdir(), 'myna-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  const previous = process.env['SOFTHSM2_CONF'];
  process.env['SOFTHSM2_CONF'] = conf;
  return {
    library,
    conf,
    tokenDir,
    async initToken(label, pin, soPin) {
      await run(
        'softhsm2-util',
        ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin],
        { env: { ...process.env, SOFTHSM2_CONF: conf } },
      );
    },
    dispose() {
      if (previous === undefined) delete process.env['SOFTHSM2_CONF'];
      else process.env['SOFTHSM2_CONF'] = previous;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
