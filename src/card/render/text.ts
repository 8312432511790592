/**
 * Characters XML 1.0 forbids (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF):
 * escaping cannot make them legal, so they are replaced.
 */
const XML_ILLEGAL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML forbids
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Printable text for a single line: controls and line breaks become spaces. */
export function oneLine(text: string, maxLength = 200): string {
  const clean = text
    .replace(XML_ILLEGAL, '\ufffd')
    .replace(/[\t\n\r\u0085\u2028\u2029]/g, ' ')
    .trim();
  const chars = Array.from(clean);
  return chars.length > maxLength ? `${chars.slice(0, maxLength - 1).join('')}…` : clean;
}

export function escapeXml(text: string): string {
  return text
    .replace(XML_ILLEGAL, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Rough advance width in ems, enough to wrap and shrink card text without a layout engine:
 * CJK and full-width forms take 1 em, Latin capitals about 0.7, the rest less.
 */
export function estimateEms(text: string): number {
  let ems = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      cp >= 0x1f300;
    // Capitals and digits are wider than lower case, and names are often written in capitals.
    ems += wide ? 1 : /[A-Z0-9@MW]/.test(ch) ? 0.68 : 0.56;
  }
  return ems;
}

/** Splits text into lines of at most `maxEms`, breaking anywhere (Japanese has no spaces to break at). */
export function wrapByEms(text: string, maxEms: number): string[] {
  const lines: string[] = [];
  let line = '';
  let width = 0;
  for (const ch of text) {
    const w = estimateEms(ch);
    if (width + w > maxEms && line !== '') {
      lines.push(line);
      line = '';
      width = 0;
    }
    line += ch;
    width += w;
  }
  if (line !== '') lines.push(line);
  return lines;
}
