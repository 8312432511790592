import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { detectFileEncoding } from './detect-encoding.ts';
import { encodeShiftJis } from './encode-shift-jis.test-util.ts';
import { detectEncoding } from './index.ts';

describe('detectEncoding', () => {
  it('takes a UTF-8 BOM as UTF-8 even when invalid bytes follow', () => {
    assert.equal(detectEncoding(new Uint8Array([0xef, 0xbb, 0xbf, 0x82, 0xa0])), 'utf-8');
  });

  it('takes valid UTF-8 as UTF-8 and Japanese Shift_JIS as Shift_JIS', () => {
    const text = '氏,名\n髙橋,ｶﾅ\n渡邉,花子\n';
    assert.equal(detectEncoding(new TextEncoder().encode(text)), 'utf-8');
    assert.equal(detectEncoding(encodeShiftJis(text)), 'shift_jis');
    assert.equal(detectEncoding(encodeShiftJis('ｶﾀｶﾅ')), 'shift_jis');
  });

  it('accepts a sample cut in the middle of a UTF-8 character', () => {
    const bytes = new TextEncoder().encode('氏名');
    assert.equal(detectEncoding(bytes.subarray(0, 4)), 'utf-8');
  });

  it('calls any UTF-8 text UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        assert.equal(detectEncoding(new TextEncoder().encode(text)), 'utf-8');
      }),
    );
  });

  it('looks past a leading stretch of ASCII when reading a whole file', () => {
    const ascii = 'municipality_code,family_name\n'.repeat(5000);
    const bytes = encodeShiftJis(`${ascii}131016,髙橋\n`);
    assert.ok(bytes.length > 64 * 1024);
    assert.equal(detectFileEncoding(bytes), 'shift_jis');
    assert.equal(detectFileEncoding(new TextEncoder().encode(`${ascii}131016,髙橋\n`)), 'utf-8');
    assert.equal(detectFileEncoding(new Uint8Array(0)), 'utf-8');
  });
});
