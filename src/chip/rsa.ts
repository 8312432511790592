/**
 * The chip's RSA private operation. The card signs a DigestInfo the reader sends, but WebCrypto
 * only signs whole messages (it hashes them itself), so the chip builds the EMSA-PKCS1-v1_5 block
 * and computes s = m^d mod n with BigInt and the CRT parameters of the JWK.
 */

import { fromBase64Url } from './bytes.ts';
import { ChipError } from './errors.ts';

export const MODULUS_BYTES = 256;

/** A private RSA key as JWK (RFC 7518 §6.3); kept only inside the chip's sealed state. */
export interface RsaPrivateJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly d: string;
  readonly p: string;
  readonly q: string;
  readonly dp: string;
  readonly dq: string;
  readonly qi: string;
}

const bigFrom = (b64: string): bigint => {
  let x = 0n;
  for (const b of fromBase64Url(b64)) x = (x << 8n) | BigInt(b);
  return x;
};

function bigTo(x: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
  }
  return result;
}

/** EMSA-PKCS1-v1_5 block type 1: 00 01 FF…FF 00 || DigestInfo (RFC 8017 §9.2). */
export function pkcs1Type1(digestInfo: Uint8Array, k = MODULUS_BYTES): Uint8Array {
  if (digestInfo.length > k - 11) throw new ChipError('CHIP_ARGUMENT', 'DigestInfo too long for the modulus');
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[k - digestInfo.length - 1] = 0x00;
  em.set(digestInfo, k - digestInfo.length);
  return em;
}

/** RSASP1 with CRT; checks the result with the public exponent so a fault never leaks a factor. */
export function signDigestInfo(key: RsaPrivateJwk, digestInfo: Uint8Array): Uint8Array {
  const n = bigFrom(key.n);
  const k = Math.ceil(n.toString(16).length / 2);
  let m = 0n;
  for (const b of pkcs1Type1(digestInfo, k)) m = (m << 8n) | BigInt(b);
  const [p, q, dp, dq, qi] = [key.p, key.q, key.dp, key.dq, key.qi].map(bigFrom) as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
  ];
  const m1 = modPow(m, dp, p);
  const m2 = modPow(m, dq, q);
  const h = (((m1 - m2) % p) + p) % p;
  const s = m2 + ((qi * h) % p) * q;
  if (modPow(s, bigFrom(key.e), n) !== m) throw new ChipError('CHIP_INTERNAL', 'RSA self-check failed');
  return bigTo(s, k);
}
