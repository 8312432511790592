import { hasUtf8Bom } from './detect-encoding.ts';
import type { CsvEncoding } from './types.ts';

/** Decoded text of a run of whole lines, plus the lines whose bytes were not valid. */
export interface DecodedChunk {
  /** Always ends just after a line feed, except in the last chunk. */
  readonly text: string;
  /** 0-based indexes, counted from the chunk's first line, of lines with invalid bytes. */
  readonly badLines: readonly number[];
  readonly final: boolean;
}

const LF = 0x0a;
// Small enough that one chunk's records die young: with 1 MiB chunks, garbage collection
// of promoted records halved the rows per second.
const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * Decodes `bytes` a chunk of whole lines at a time, so a 150 MB file is never one giant
 * string. Cutting at a line feed is safe in both encodings: 0x0A is never part of a
 * multi-byte character in UTF-8 or Shift_JIS (trail bytes start at 0x40).
 *
 * A chunk that fails the strict decode is decoded again line by line, so an invalid
 * byte sequence is pinned to its line; that line's text is still produced, with U+FFFD
 * in place of the bad bytes, so the CSV structure around it stays intact.
 */
export function* decodeChunks(
  bytes: Uint8Array,
  encoding: CsvEncoding,
  chunkBytes: number = DEFAULT_CHUNK_BYTES,
): Generator<DecodedChunk> {
  // ignoreBOM keeps a BOM-looking sequence at the start of a later chunk as data;
  // the file's own BOM is skipped here once.
  const strict = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
  let start = encoding === 'utf-8' && hasUtf8Bom(bytes) ? 3 : 0;
  if (start >= bytes.length) {
    yield { text: '', badLines: [], final: true };
    return;
  }
  while (start < bytes.length) {
    let end = Math.min(bytes.length, start + chunkBytes);
    if (end < bytes.length) {
      const lf = bytes.indexOf(LF, end - 1);
      end = lf === -1 ? bytes.length : lf + 1;
    }
    const slice = bytes.subarray(start, end);
    const final = end >= bytes.length;
    try {
      yield { text: strict.decode(slice), badLines: [], final };
    } catch {
      yield decodeLineByLine(slice, strict, encoding, final);
    }
    start = end;
  }
}

function decodeLineByLine(
  slice: Uint8Array,
  strict: InstanceType<typeof TextDecoder>,
  encoding: CsvEncoding,
  final: boolean,
): DecodedChunk {
  const lenient = new TextDecoder(encoding, { ignoreBOM: true });
  const parts: string[] = [];
  const badLines: number[] = [];
  let lineStart = 0;
  for (let index = 0; lineStart < slice.length; index++) {
    const lf = slice.indexOf(LF, lineStart);
    const lineEnd = lf === -1 ? slice.length : lf + 1;
    const lineBytes = slice.subarray(lineStart, lineEnd);
    try {
      // A non-streaming decode starts from a clean state, even after the previous one threw.
      parts.push(strict.decode(lineBytes));
    } catch {
      badLines.push(index);
      parts.push(lenient.decode(lineBytes));
    }
    lineStart = lineEnd;
  }
  return { text: parts.join(''), badLines, final };
}
