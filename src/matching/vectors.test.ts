import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  matchPerson,
  normalizeAddress,
  normalizeKana,
  normalizeName,
  type PersonFacts,
  parseDate,
} from './index.ts';

type Vector =
  | { kind: 'name' | 'kana' | 'address'; a: string; b: string; equal: boolean; source: string }
  | { kind: 'date'; input: string; value?: string; code?: string; source: string }
  | { kind: 'match'; a: PersonFacts; b: PersonFacts; decision: string; source: string };

const file = new URL('../../test/vectors/matching.json', import.meta.url);
const { vectors } = JSON.parse(readFileSync(file, 'utf8')) as { vectors: Vector[] };

const keys = { name: normalizeName, kana: normalizeKana, address: normalizeAddress } as const;

describe('test/vectors/matching.json', () => {
  it('has vectors of every kind, each citing a source', () => {
    for (const kind of ['name', 'kana', 'address', 'date', 'match']) {
      assert.ok(
        vectors.some((v) => v.kind === kind),
        kind,
      );
    }
    for (const v of vectors) assert.ok(v.source.length > 10, JSON.stringify(v));
  });

  for (const v of vectors) {
    const label = v.kind === 'date' ? v.input : v.kind === 'match' ? v.decision : `${v.a} / ${v.b}`;
    it(`${v.kind}: ${label}`, () => {
      switch (v.kind) {
        case 'date': {
          const result = parseDate(v.input);
          if (v.value !== undefined) assert.deepEqual(result, { ok: true, value: v.value });
          else assert.equal(result.ok ? 'ok' : result.code, v.code);
          break;
        }
        case 'match':
          assert.equal(matchPerson(v.a, v.b).decision, v.decision);
          break;
        default: {
          const key = keys[v.kind];
          assert.equal(key(v.a) === key(v.b), v.equal, `${key(v.a)} vs ${key(v.b)} — ${v.source}`);
        }
      }
    });
  }
});
