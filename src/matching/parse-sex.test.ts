import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseSex } from './index.ts';

describe('parseSex', () => {
  const table: readonly (readonly [string, ReturnType<typeof parseSex>])[] = [
    ['male', 'male'],
    ['MALE', 'male'],
    ['1', 'male'],
    ['１', 'male'],
    ['男', 'male'],
    ['男性', 'male'],
    ['M', 'male'],
    ['m', 'male'],
    ['Ｍ', 'male'],
    ['female', 'female'],
    ['Female', 'female'],
    ['2', 'female'],
    ['女', 'female'],
    ['女性', 'female'],
    ['F', 'female'],
    ['f', 'female'],
    ['unspecified', 'unspecified'],
    ['9', 'unspecified'],
    ['3', 'unspecified'],
    [' 2 ', 'female'],
    ['', undefined],
    ['x', undefined],
    ['0', undefined],
    ['4', undefined],
    ['男女', undefined],
    ['males', undefined],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(parseSex(input), expected));
  }

  it('never throws and returns only a Sex or undefined', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        assert.ok([undefined, 'male', 'female', 'unspecified'].includes(parseSex(s)));
      }),
    );
  });
});
