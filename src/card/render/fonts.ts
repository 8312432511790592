import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Noto Sans JP (OFL) ships inside an npm package, so nothing is fetched at run time. */
export const FONT_FAMILY = 'Noto Sans JP';
export const FONT_REGULAR_PATH = require.resolve(
  '@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf',
);
export const FONT_BOLD_PATH = require.resolve(
  '@expo-google-fonts/noto-sans-jp/700Bold/NotoSansJP_700Bold.ttf',
);

let cache: { regular: Buffer; bold: Buffer } | undefined;

/** The two TTFs (≈ 5 MB each), read once per process instead of once per PDF. */
export function fontBytes(): { regular: Buffer; bold: Buffer } {
  cache ??= { regular: readFileSync(FONT_REGULAR_PATH), bold: readFileSync(FONT_BOLD_PATH) };
  return cache;
}
