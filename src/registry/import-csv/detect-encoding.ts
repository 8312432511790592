import type { CsvEncoding } from './types.ts';

/**
 * Guesses a CSV's encoding from its first bytes. A UTF-8 BOM or bytes that are valid UTF-8
 * mean UTF-8; anything else is taken as Shift_JIS (Windows-31J), which is what Japanese
 * Excel writes. Shift_JIS text with kana or kanji is practically never valid UTF-8, so the
 * guess is safe as long as the sample holds some non-ASCII bytes.
 *
 * A sample cut off in the middle of a UTF-8 character still counts as UTF-8.
 *
 * @example detectEncoding(new TextEncoder().encode('氏,名')) // 'utf-8'
 */
export function detectEncoding(sample: Uint8Array): CsvEncoding {
  if (hasUtf8Bom(sample)) return 'utf-8';
  try {
    // stream: true tolerates a character truncated at the end of the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return 'utf-8';
  } catch {
    return 'shift_jis';
  }
}

export function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

const AUTO_SAMPLE_BYTES = 64 * 1024;

/**
 * Picks the sample `readResidentCsv` hands to {@link detectEncoding}: 64 KiB starting at the
 * first non-ASCII byte, because a file whose first rows are plain ASCII says nothing about
 * its encoding until the first name in kanji.
 */
export function detectFileEncoding(bytes: Uint8Array): CsvEncoding {
  if (hasUtf8Bom(bytes)) return 'utf-8';
  let first = 0;
  while (first < bytes.length && bytes[first]! < 0x80) first++;
  return detectEncoding(bytes.subarray(first, first + AUTO_SAMPLE_BYTES));
}
