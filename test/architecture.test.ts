import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

/**
 * The layout rules of ARCHITECTURE.md, checked on every test run:
 * a domain is a folder whose only door is its index.ts, and dependencies point one way.
 */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  store: ['core'],
  keys: ['core'],
  matching: ['core'],
  audit: ['core', 'store'],
  auth: ['core', 'store', 'pki', 'number'],
  oidc: ['core', 'store', 'keys', 'auth', 'registry', 'card', 'pki'],
  network: ['core', 'store', 'keys', 'audit'],
  insurance: [
    'core',
    'store',
    'keys',
    'matching',
    'number',
    'audit',
    'registry',
    'network',
    'card',
    'pki',
    'auth',
  ],
  number: ['core', 'store', 'keys'],
  registry: ['core', 'store', 'keys', 'number', 'matching', 'audit'],
  chip: [],
  pki: ['core', 'store', 'keys'],
  card: ['core', 'store', 'keys', 'number', 'matching', 'audit', 'registry', 'pki', 'chip'],
  demo: ['core', 'matching'],
  server: [
    'core',
    'store',
    'keys',
    'number',
    'matching',
    'audit',
    'auth',
    'registry',
    'pki',
    'chip',
    'card',
    'oidc',
    'network',
    'insurance',
  ],
  cli: [
    'core',
    'store',
    'keys',
    'number',
    'matching',
    'audit',
    'auth',
    'registry',
    'pki',
    'chip',
    'card',
    'oidc',
    'demo',
    'server',
    'insurance',
  ],
};

const SRC = resolve('src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'/g),
    ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g),
  ].map((m) => m[1]!);
}

describe('architecture', () => {
  const sources = files(SRC).filter((f) => !/\.test(-util)?\.ts$/.test(f) && !f.endsWith('.test-util.ts'));

  it('knows every domain folder', () => {
    const domains = readdirSync(SRC).filter((d) => statSync(join(SRC, d)).isDirectory());
    assert.deepEqual(
      domains.filter((d) => !(d in ALLOWED)),
      [],
      'add new domains to ALLOWED',
    );
    for (const d of domains)
      assert.ok(statSync(join(SRC, d, d === 'cli' ? 'main.ts' : 'index.ts')).isFile(), `${d} has its door`);
  });

  it('domains import each other only through index.ts, and only downwards', () => {
    const violations: string[] = [];
    for (const file of sources) {
      const from = relative(SRC, file).split('/')[0]!;
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(SRC, resolve(dirname(file), spec));
        if (target.startsWith('..')) {
          violations.push(`${relative('.', file)} reaches outside src: ${spec}`);
          continue;
        }
        const [to, ...rest] = target.split('/');
        if (to === from) continue;
        if (!ALLOWED[from]?.includes(to!))
          violations.push(`${relative('.', file)}: ${from} may not depend on ${to}`);
        else if (rest.join('/') !== 'index.ts')
          violations.push(`${relative('.', file)}: imports ${target}, not ${to}/index.ts`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('no domain reads the environment, the wall clock or the console', () => {
    const violations: string[] = [];
    for (const file of sources) {
      const domain = relative(SRC, file).split('/')[0]!;
      // The composition (cli, server) reads the world; core/ holds the one system clock.
      if (domain === 'cli' || domain === 'server' || domain === 'core') continue;
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const banned of ['process.env', 'console.', 'new Date()', 'Date.now()']) {
        if (text.includes(banned)) violations.push(`${relative('.', file)} uses ${banned}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('the chip runs in a browser: WebCrypto only, no Node built-ins, no Buffer, only asn1js', () => {
    const violations: string[] = [];
    for (const file of sources.filter((f) => relative(SRC, f).startsWith('chip/'))) {
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const spec of imports(file))
        if (!spec.startsWith('./') && spec !== 'asn1js')
          violations.push(`${relative('.', file)} imports ${spec}`);
      for (const [name, banned] of [
        ['Buffer', /\bBuffer\./],
        ['process', /\bprocess\./],
        ['require', /\brequire\(/],
      ] as const)
        if (banned.test(text)) violations.push(`${relative('.', file)} uses ${name}`);
    }
    assert.deepEqual(violations, []);
  });
});
