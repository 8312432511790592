import { createCipheriv } from 'node:crypto';
import { AppError } from '../core/index.ts';

/**
 * FF1 format-preserving encryption (NIST SP 800-38G, rev. 1) over AES.
 *
 * This is the readable reference: it follows the numbered steps of Algorithm 7/8 with
 * BigInt arithmetic so any radix and length work. `number-permutation.ts` is the fast
 * path for decimal numbers and is tested to give identical output to this file.
 */

const BLOCK = 16;

/** FF1 requires radix^n ≥ 1 000 000 (SP 800-38G rev. 1, §5.2) so the domain is not tiny. */
const MIN_DOMAIN = 1_000_000n;
const MAX_RADIX = 65_536;

/** The node:crypto name of AES-ECB for this key's size; shared with `number-permutation.ts`. */
export function aesEcbAlgorithm(key: Buffer): string {
  if (key.length === 16 || key.length === 24 || key.length === 32) return `aes-${key.length * 8}-ecb`;
  throw new AppError('NUMBER_FF1_KEY', 'invalid', `AES key must be 16, 24 or 32 bytes, not ${key.length}`);
}

/** CIPH_K applied to every 16-byte block independently (ECB). */
function ciph(key: Buffer, blocks: Buffer): Buffer {
  const cipher = createCipheriv(aesEcbAlgorithm(key), key, null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(blocks), cipher.final()]);
}

/** PRF (Algorithm 6): CBC-MAC with a zero IV; X must be a whole number of blocks. */
function prf(key: Buffer, x: Buffer): Buffer {
  let y: Buffer = Buffer.alloc(BLOCK);
  for (let j = 0; j < x.length; j += BLOCK) {
    const block = Buffer.alloc(BLOCK);
    for (let k = 0; k < BLOCK; k++) block[k] = y[k]! ^ x[j + k]!;
    y = ciph(key, block);
  }
  return y;
}

/** NUM_radix(X): the numeral string read most significant first. */
function num(digits: readonly number[], radix: number): bigint {
  const r = BigInt(radix);
  let x = 0n;
  for (const d of digits) x = x * r + BigInt(d);
  return x;
}

/** NUM(X): a byte string as an unsigned big-endian integer. */
function numBytes(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

/** STR^m_radix(x): x as exactly m numerals, most significant first. */
function str(x: bigint, radix: number, m: number): number[] {
  const r = BigInt(radix);
  const out = new Array<number>(m);
  for (let i = m - 1; i >= 0; i--) {
    out[i] = Number(x % r);
    x /= r;
  }
  return out;
}

/** [x]^s: x as s big-endian bytes. */
function bytesOf(x: bigint, s: number): Buffer {
  const out = Buffer.alloc(s);
  for (let i = s - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function checkInput(key: Buffer, radix: number, digits: readonly number[]): void {
  aesEcbAlgorithm(key);
  if (!Number.isInteger(radix) || radix < 2 || radix > MAX_RADIX) {
    throw new AppError('NUMBER_FF1_RADIX', 'invalid', `radix must be an integer in 2..${MAX_RADIX}`);
  }
  if (digits.length < 2 || BigInt(radix) ** BigInt(digits.length) < MIN_DOMAIN) {
    throw new AppError('NUMBER_FF1_LENGTH', 'invalid', 'radix^length must be at least 1 000 000');
  }
  for (const d of digits) {
    if (!Number.isInteger(d) || d < 0 || d >= radix) {
      throw new AppError(
        'NUMBER_FF1_NUMERAL',
        'invalid',
        `every numeral must be an integer in 0..${radix - 1}`,
      );
    }
  }
}

/** The parts of the round function that depend only on radix, lengths and tweak (steps 1–5). */
function setup(radix: number, n: number, tweak: Buffer) {
  const u = Math.floor(n / 2);
  const v = n - u;
  // b = ⌈⌈v·log2(radix)⌉ / 8⌉, computed exactly as the byte length of radix^v − 1.
  const b = Math.max(1, Math.ceil((BigInt(radix) ** BigInt(v) - 1n).toString(2).length / 8));
  const d = 4 * Math.ceil(b / 4) + 4;
  const t = tweak.length;
  const p = Buffer.concat([
    Buffer.from([1, 2, 1]),
    bytesOf(BigInt(radix), 3),
    Buffer.from([10, u % 256]),
    bytesOf(BigInt(n), 4),
    bytesOf(BigInt(t), 4),
  ]);
  const padding = Buffer.alloc((((-t - b - 1) % BLOCK) + BLOCK) % BLOCK);
  return { u, v, b, d, p, padding };
}

/** Steps 6.i–6.iv: the round value y from the round number and the numeral half fed to the PRF. */
function roundValue(
  key: Buffer,
  tweak: Buffer,
  s: ReturnType<typeof setup>,
  i: number,
  half: bigint,
): bigint {
  const q = Buffer.concat([tweak, s.padding, Buffer.from([i]), bytesOf(half, s.b)]);
  const r = prf(key, Buffer.concat([s.p, q]));
  // S = R || CIPH(R ⊕ [1]^16) || CIPH(R ⊕ [2]^16) || …, truncated to d bytes.
  const parts = [r];
  for (let j = 1; j < Math.ceil(s.d / BLOCK); j++) {
    const counter = bytesOf(BigInt(j), BLOCK);
    parts.push(ciph(key, Buffer.from(r.map((byte, k) => byte ^ counter[k]!))));
  }
  return numBytes(Buffer.concat(parts).subarray(0, s.d));
}

/**
 * FF1.Encrypt (SP 800-38G Algorithm 7).
 *
 * @param key AES key of 16, 24 or 32 bytes (selects AES-128/192/256).
 * @param tweak any length, may be empty.
 * @param radix 2..65536.
 * @param digits numerals, most significant first; radix^length must be ≥ 10^6.
 * @returns the ciphertext numerals, same length and radix.
 * @throws AppError `NUMBER_FF1_KEY` | `NUMBER_FF1_RADIX` | `NUMBER_FF1_LENGTH` | `NUMBER_FF1_NUMERAL`
 * @example
 * ff1Encrypt(Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex'), Buffer.alloc(0), 10,
 *   [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // → [2, 4, 3, 3, 4, 7, 7, 4, 8, 4]
 */
export function ff1Encrypt(key: Buffer, tweak: Buffer, radix: number, digits: readonly number[]): number[] {
  checkInput(key, radix, digits);
  const s = setup(radix, digits.length, tweak);
  let a = digits.slice(0, s.u);
  let b = digits.slice(s.u);
  for (let i = 0; i < 10; i++) {
    const y = roundValue(key, tweak, s, i, num(b, radix));
    const m = i % 2 === 0 ? s.u : s.v;
    const c = mod(num(a, radix) + y, BigInt(radix) ** BigInt(m));
    a = b;
    b = str(c, radix, m);
  }
  return [...a, ...b];
}

/**
 * FF1.Decrypt (SP 800-38G Algorithm 8), the inverse of {@link ff1Encrypt}.
 *
 * @throws AppError `NUMBER_FF1_KEY` | `NUMBER_FF1_RADIX` | `NUMBER_FF1_LENGTH` | `NUMBER_FF1_NUMERAL`
 */
export function ff1Decrypt(key: Buffer, tweak: Buffer, radix: number, digits: readonly number[]): number[] {
  checkInput(key, radix, digits);
  const s = setup(radix, digits.length, tweak);
  let a = digits.slice(0, s.u);
  let b = digits.slice(s.u);
  for (let i = 9; i >= 0; i--) {
    const y = roundValue(key, tweak, s, i, num(a, radix));
    const m = i % 2 === 0 ? s.u : s.v;
    const c = mod(num(b, radix) - y, BigInt(radix) ** BigInt(m));
    b = a;
    a = str(c, radix, m);
  }
  return [...a, ...b];
}
