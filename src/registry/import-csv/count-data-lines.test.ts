import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { countDataLines } from './index.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('countDataLines', () => {
  it('counts lines after the header, with or without a final newline', () => {
    assert.equal(countDataLines(bytes('')), 0);
    assert.equal(countDataLines(bytes('header')), 0);
    assert.equal(countDataLines(bytes('header\n')), 0);
    assert.equal(countDataLines(bytes('header\r\na\r\nb\r\n')), 2);
    assert.equal(countDataLines(bytes('header\na\nb')), 2);
  });

  it('equals the number of rows of a file without blank lines or multi-line values', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ minLength: 1 }).filter((row) => !row.includes('\n')),
          { minLength: 1 },
        ),
        fc.boolean(),
        (rows, finalNewline) => {
          const text = rows.join('\n') + (finalNewline ? '\n' : '');
          assert.equal(countDataLines(bytes(text)), rows.length - 1);
        },
      ),
    );
  });
});
