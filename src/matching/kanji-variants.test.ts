import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KANJI_VARIANT_GROUPS, KANJI_VARIANTS } from './kanji-variants.ts';

describe('kanji variant table', () => {
  it('maps every variant to its canonical form', () => {
    for (const [canonical, variants] of KANJI_VARIANT_GROUPS) {
      for (const variant of variants) assert.equal(KANJI_VARIANTS.get(variant), canonical, variant);
    }
  });

  it('never maps a canonical form (folding is one step, so keys are idempotent)', () => {
    for (const [canonical] of KANJI_VARIANT_GROUPS)
      assert.equal(KANJI_VARIANTS.has(canonical), false, canonical);
  });

  it('lists each variant once, as a single code point that NFKC leaves unchanged', () => {
    const seen = new Set<string>();
    for (const [canonical, variants] of KANJI_VARIANT_GROUPS) {
      for (const ch of [canonical, ...variants]) {
        assert.equal([...ch].length, 1, ch);
        assert.equal(ch.normalize('NFKC'), ch, `${ch} is changed by NFKC and can never be seen`);
      }
      for (const variant of variants) {
        assert.equal(seen.has(variant), false, `${variant} listed twice`);
        seen.add(variant);
      }
    }
    assert.equal(KANJI_VARIANTS.size, seen.size);
  });
});
