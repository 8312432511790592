import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 64 * 1024;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * `size` cryptographically random bytes, served from a pool refilled by the system
 * CSPRNG. One `randomBytes` call per id or IV costs more than the AES that uses it; a
 * pooled read costs a copy. The bytes are never handed out twice. The returned view is
 * valid until the next call: copy it if it must live longer.
 */
export function randomView(size: number): Buffer {
  if (size > POOL_SIZE) throw new RangeError('randomView serves at most 64 KiB');
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const view = pool.subarray(offset, offset + size);
  offset += size;
  return view;
}
