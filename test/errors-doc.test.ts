import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ENVIRONMENT } from '../src/server/index.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory()
      ? files(path)
      : /(?<!\.test)(?<!test-util)\.ts$/.test(path)
        ? [path]
        : [];
  });
}

describe('docs/errors.md', () => {
  it('documents every error code the source can produce', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    const notCodes = new Set([...Object.keys(ENVIRONMENT), 'MYNA_SEARCH_NUMBER']);
    const codes = new Set<string>();
    for (const file of files('src')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)) {
        const code = m[1]!;
        if (!code.startsWith('FST_ERR_') && !notCodes.has(code)) codes.add(code);
      }
    }
    assert.ok(codes.size > 50, 'codes were found');
    const missing = [...codes].filter((c) => !doc.includes(`\`${c}\``)).sort();
    assert.deepEqual(missing, []);
  });
});
