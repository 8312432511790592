import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { nastyString } from './text.test-util.ts';
import { escapeXml, estimateEms, oneLine, wrapByEms } from './text.ts';

/** The Char production of XML 1.0. Iterating a string by code point yields lone surrogates as themselves. */
function isXmlChar(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

describe('escapeXml', () => {
  it('escapes the five XML specials', () => {
    assert.equal(escapeXml(`a & b <c> "d" 'e'`), 'a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;');
  });

  it('leaves no markup and no character XML forbids (property)', () => {
    fc.assert(
      fc.property(nastyString, (s) => {
        const e = escapeXml(s);
        return !/[<>"']/.test(e) && !/&(?!(amp|lt|gt|quot|apos);)/.test(e) && [...e].every(isXmlChar);
      }),
    );
  });
});

describe('oneLine', () => {
  it('turns line breaks into spaces and cuts long text with an ellipsis', () => {
    assert.equal(oneLine(' a\nb\r\nc\t '), 'a b  c');
    assert.equal(oneLine('あいうえお', 3), 'あい…');
    assert.equal(oneLine('😀😀😀😀', 3), '😀😀…', 'cuts whole code points');
  });
});

describe('wrapByEms', () => {
  it('wraps Japanese anywhere and keeps every character (property)', () => {
    assert.deepEqual(wrapByEms('東京都千代田区', 3), ['東京都', '千代田', '区']);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 1, max: 30 }), (s, max) => {
        const lines = wrapByEms(s, max);
        return (
          lines.join('') === s && lines.every((l) => estimateEms(l) <= max || Array.from(l).length === 1)
        );
      }),
    );
  });
});
