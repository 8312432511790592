/**
 * Test-only Shift_JIS (Windows-31J) encoder. Node's TextEncoder writes UTF-8 only, so the
 * reverse map is built by decoding every single- and double-byte code with the same
 * decoder the reader uses; where Windows-31J maps two codes to one character, the first
 * code found in the ordinary ranges wins, as Excel would write it.
 */
let reverse: Map<string, number[]> | undefined;

function buildReverseMap(): Map<string, number[]> {
  const map = new Map<string, number[]>();
  const decoder = new TextDecoder('shift_jis', { fatal: true });
  const tryAdd = (codeBytes: number[]): void => {
    let text: string;
    try {
      text = decoder.decode(new Uint8Array(codeBytes));
    } catch {
      return;
    }
    if ([...text].length === 1 && !map.has(text)) map.set(text, codeBytes);
  };
  for (let byte = 0; byte < 0x80; byte++) tryAdd([byte]);
  for (let byte = 0xa1; byte <= 0xdf; byte++) tryAdd([byte]);
  // NEC-selected IBM extensions (lead 0xED, 0xEE) duplicate the IBM ones at 0xFA–0xFC; prefer the latter.
  const leads: number[] = [];
  for (let lead = 0x81; lead <= 0x9f; lead++) leads.push(lead);
  for (let lead = 0xe0; lead <= 0xfc; lead++) if (lead !== 0xed && lead !== 0xee) leads.push(lead);
  leads.push(0xed, 0xee);
  for (const lead of leads) {
    for (let trail = 0x40; trail <= 0xfc; trail++) if (trail !== 0x7f) tryAdd([lead, trail]);
  }
  return map;
}

/** Encodes `text` as Shift_JIS; throws on a character Shift_JIS cannot represent. */
export function encodeShiftJis(text: string): Uint8Array {
  reverse ??= buildReverseMap();
  const out: number[] = [];
  for (const char of text) {
    const code = reverse.get(char);
    if (code === undefined) throw new Error(`not representable in Shift_JIS: ${char}`);
    out.push(...code);
  }
  return new Uint8Array(out);
}
