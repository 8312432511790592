import { randomView } from './random.ts';

let lastMs = -1;
let counter = 0;

/**
 * UUID version 7 (RFC 9562): time-ordered, so new rows land at the end of an index
 * instead of scattering across it, and random enough that ids reveal nothing.
 *
 * Ids made in one process strictly increase (RFC 9562 §6.2 method 1: the 12 bits of
 * rand_a are a counter within one millisecond, started at a random value; when the
 * clock stands still or steps back the last millisecond is reused, and when the counter
 * runs out the millisecond is advanced). So the order of events is the order of ids.
 */
export function uuidv7(at: number = Date.now()): string {
  if (at > lastMs) {
    lastMs = at;
    counter = randomView(2).readUInt16BE(0) & 0x7ff;
  } else if (++counter > 0xfff) {
    lastMs++;
    counter = 0;
  }
  const bytes = Buffer.from(randomView(16));
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
