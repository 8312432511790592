import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPem } from '../../src/pki/index.ts';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the openssl command line (a client nobody here wrote) and returns what it said. */
export function openssl(args: readonly string[], cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'openssl',
      [...args],
      { cwd, maxBuffer: 16 * 1024 * 1024, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
  });
}

/** Writes a DER certificate as PEM into `dir` and returns its path. */
export function writePem(dir: string, name: string, der: Uint8Array, label = 'CERTIFICATE'): string {
  const path = join(dir, name);
  writeFileSync(path, toPem(der, label));
  return path;
}
