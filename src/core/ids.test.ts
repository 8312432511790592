import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UUID_PATTERN, uuidv7 } from './ids.ts';

describe('uuidv7', () => {
  it('is a version-7, variant-10 UUID', () => {
    const id = uuidv7();
    assert.match(id, new RegExp(UUID_PATTERN));
    assert.equal(id[14], '7');
    assert.ok('89ab'.includes(id[19]!));
  });

  it('strictly increases, even when the clock stands still or steps back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }), {
          minLength: 2,
          maxLength: 50,
        }),
        (times) => {
          const ids = times.map((t) => uuidv7(t));
          for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
        },
      ),
    );
    const still = Array.from({ length: 10_000 }, () => uuidv7(1_900_000_000_000));
    assert.deepEqual([...still].sort(), still);
    assert.equal(new Set(still).size, still.length);
  });
});
