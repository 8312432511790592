import { type Cipher, createCipheriv } from 'node:crypto';
import { AppError } from '../core/index.ts';
import { aesEcbAlgorithm } from './ff1.ts';

/**
 * A keyed permutation of [0, 10^digits): FF1 (SP 800-38G) specialised for radix 10 and
 * 6–15 digits, used to issue numbers that look random but can never collide.
 *
 * It gives exactly the output of `ff1Encrypt` (a property test compares them) but runs
 * on plain doubles. With n ≤ 15 digits, v ≤ 8, so b ≤ 4 and d = 8: NUM_10(B) fits in four
 * bytes, and the PRF output needed each round is only R's first 8 bytes. Everything in
 * P || Q except the last block is constant for a given key, tweak and length, so its
 * CBC-MAC state is computed once; each round then costs one AES block per number.
 */
export interface DecimalPermutation {
  /** 10^digits: inputs and outputs are integers in [0, DOMAIN). */
  readonly DOMAIN: number;
  readonly digits: number;
  encrypt(x: number): number;
  decrypt(y: number): number;
  /** Encrypts many numbers, each Feistel round in one AES call for the whole chunk. */
  encryptBatch(xs: Float64Array | readonly number[]): Float64Array;
}

const BLOCK = 16;
const ROUNDS = 10;
/** Numbers per AES call in encryptBatch: large enough to amortise the call, small enough for cache. */
const CHUNK = 4096;
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * y mod M for y = hi·2^32 + lo, in doubles. Forming hi·2^32 + lo directly would pass 2^53
 * and round; reducing hi first and shifting by 2^16 twice keeps every intermediate below
 * 10^8·2^16 < 2^53, so each step is exact and the result equals NUM(S) mod 10^m.
 */
function reduce(hi: number, lo: number, modulus: number): number {
  let h = hi % modulus;
  h = (h * 65536) % modulus;
  h = (h * 65536) % modulus;
  return (h + lo) % modulus;
}

function aesBlock(key: Buffer, block: Buffer): Buffer {
  const c = createCipheriv(aesEcbAlgorithm(key), key, null);
  c.setAutoPadding(false);
  return c.update(block);
}

/**
 * Creates the permutation for one key and tweak.
 *
 * @param key AES key; 32 bytes (AES-256) is intended, 16 and 24 are accepted too.
 * @param tweak FF1 tweak, any length (it is folded into the precomputed state).
 * @param digits 6..15; FF1 needs a domain of at least 10^6, and 15 digits keep every value exact in a double.
 * @throws AppError `NUMBER_FF1_KEY` | `NUMBER_FF1_LENGTH`; encrypt/decrypt throw `NUMBER_FF1_NUMERAL`
 *   for anything but an integer in [0, DOMAIN).
 * @example
 * const p = createDecimalPermutation(key, Buffer.from('individual-number'), 11);
 * const body = p.encrypt(42); // an 11-digit value < 10^11; p.decrypt(body) === 42
 */
export function createDecimalPermutation(key: Buffer, tweak: Buffer, digits: number): DecimalPermutation {
  const algorithm = aesEcbAlgorithm(key);
  if (!Number.isInteger(digits) || digits < 6 || digits > 15) {
    throw new AppError('NUMBER_FF1_LENGTH', 'invalid', 'a decimal permutation needs 6 to 15 digits');
  }
  const n = digits;
  const u = Math.floor(n / 2);
  const v = n - u;
  const b = Math.ceil((POW10[v]! - 1).toString(2).length / 8);
  const t = tweak.length;
  const pad = (((-t - b - 1) % BLOCK) + BLOCK) % BLOCK;

  // P || Q with the round number and NUM(B) left as zero; its length is a multiple of 16.
  const message = Buffer.alloc(BLOCK + t + pad + 1 + b);
  message.set([1, 2, 1, 0, 0, 10, 10, u % 256], 0);
  message.writeUInt32BE(n, 8);
  message.writeUInt32BE(t, 12);
  tweak.copy(message, BLOCK);
  // CBC-MAC over every block but the last, then XOR the chain into the last block's template.
  let chain: Buffer = Buffer.alloc(BLOCK);
  const lastStart = message.length - BLOCK;
  for (let j = 0; j < lastStart; j += BLOCK) {
    const block = Buffer.alloc(BLOCK);
    for (let k = 0; k < BLOCK; k++) block[k] = chain[k]! ^ message[j + k]!;
    chain = aesBlock(key, block);
  }
  const base = Buffer.alloc(BLOCK);
  for (let k = 0; k < BLOCK; k++) base[k] = chain[k]! ^ message[lastStart + k]!;
  const roundAt = BLOCK - b - 1; // where [i]^1 sits in the last block; NUM(B) follows

  const cipher: Cipher = createCipheriv(algorithm, key, null);
  cipher.setAutoPadding(false);
  const one = Buffer.alloc(BLOCK);
  const domain = POW10[n]!;
  const pv = POW10[v]!;

  /** Writes [i]^1 || [half]^b, XORed with the chain, into `block` at `at`. */
  function fill(block: Buffer, at: number, i: number, half: number): void {
    block[at + roundAt] = base[roundAt]! ^ i;
    let h = half;
    for (let k = BLOCK - 1; k > roundAt; k--) {
      block[at + k] = base[k]! ^ (h & 0xff);
      h >>>= 8;
    }
  }

  function roundValue(i: number, half: number, modulus: number): number {
    base.copy(one);
    fill(one, 0, i, half);
    const r = cipher.update(one);
    return reduce(r.readUInt32BE(0), r.readUInt32BE(4), modulus);
  }

  function check(x: number): void {
    if (!Number.isInteger(x) || x < 0 || x >= domain) {
      throw new AppError('NUMBER_FF1_NUMERAL', 'invalid', `input must be an integer in [0, 10^${n})`);
    }
  }

  function encrypt(x: number): number {
    check(x);
    let a = Math.floor(x / pv);
    let bb = x - a * pv;
    for (let i = 0; i < ROUNDS; i++) {
      const modulus = POW10[i % 2 === 0 ? u : v]!;
      const c = (a + roundValue(i, bb, modulus)) % modulus;
      a = bb;
      bb = c;
    }
    return a * pv + bb;
  }

  function decrypt(y: number): number {
    check(y);
    let a = Math.floor(y / pv);
    let bb = y - a * pv;
    for (let i = ROUNDS - 1; i >= 0; i--) {
      const modulus = POW10[i % 2 === 0 ? u : v]!;
      const c = (bb - roundValue(i, a, modulus) + modulus) % modulus;
      bb = a;
      a = c;
    }
    return a * pv + bb;
  }

  function encryptBatch(xs: Float64Array | readonly number[]): Float64Array {
    const out = new Float64Array(xs.length);
    const size = Math.min(CHUNK, xs.length);
    const blocks = Buffer.alloc(size * BLOCK);
    for (let j = 0; j < size; j++) base.copy(blocks, j * BLOCK);
    const as = new Float64Array(size);
    const bs = new Float64Array(size);
    for (let start = 0; start < xs.length; start += CHUNK) {
      const count = Math.min(CHUNK, xs.length - start);
      for (let j = 0; j < count; j++) {
        const x = xs[start + j]!;
        check(x);
        const a = Math.floor(x / pv);
        as[j] = a;
        bs[j] = x - a * pv;
      }
      const input = count === size ? blocks : blocks.subarray(0, count * BLOCK);
      for (let i = 0; i < ROUNDS; i++) {
        const modulus = POW10[i % 2 === 0 ? u : v]!;
        for (let j = 0; j < count; j++) fill(input, j * BLOCK, i, bs[j]!);
        // ECB treats blocks independently, so one call runs this round for every number.
        const r = cipher.update(input);
        for (let j = 0; j < count; j++) {
          const o = j * BLOCK;
          // Big-endian reads by hand: Buffer#readUInt32BE's bounds checks show up at this rate.
          const hi = r[o]! * 16777216 + ((r[o + 1]! << 16) | (r[o + 2]! << 8) | r[o + 3]!);
          const lo = r[o + 4]! * 16777216 + ((r[o + 5]! << 16) | (r[o + 6]! << 8) | r[o + 7]!);
          const c = (as[j]! + reduce(hi, lo, modulus)) % modulus;
          as[j] = bs[j]!;
          bs[j] = c;
        }
      }
      for (let j = 0; j < count; j++) out[start + j] = as[j]! * pv + bs[j]!;
    }
    return out;
  }

  return { DOMAIN: domain, digits: n, encrypt, decrypt, encryptBatch };
}
