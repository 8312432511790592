import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const CHIP_INDEX = fileURLToPath(new URL('../chip/index.ts', import.meta.url));

/**
 * The virtual chip for the browser (WebCrypto only), as one script that defines
 * `globalThis.MynaChip` — the card the sign-in page runs, so the card's key and PIN
 * never leave the browser. Built once per process, on first use.
 */
let bundle: Promise<string> | undefined;
export function chipBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [CHIP_INDEX],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'MynaChip',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text);
  // A failed build is retried on the next request rather than cached.
  bundle.catch(() => {
    bundle = undefined;
  });
  return bundle;
}
