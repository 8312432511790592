/** DER DigestInfo (RFC 8017 §9.2 note 1): a fixed prefix per hash, followed by the digest. */
import { bytesEqual, concatBytes, fromHex } from './bytes.ts';
import { ChipError } from './errors.ts';

export type DigestAlgorithm = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

const PREFIXES: Record<DigestAlgorithm, { prefix: Uint8Array; length: number }> = {
  'SHA-1': { prefix: fromHex('3021300906052B0E03021A05000414'), length: 20 },
  'SHA-256': { prefix: fromHex('3031300D060960864801650304020105000420'), length: 32 },
  'SHA-384': { prefix: fromHex('3041300D060960864801650304020205000430'), length: 48 },
  'SHA-512': { prefix: fromHex('3051300D060960864801650304020305000440'), length: 64 },
};

export function digestInfo(algorithm: DigestAlgorithm, digest: Uint8Array): Uint8Array {
  const { prefix, length } = PREFIXES[algorithm];
  if (digest.length !== length) {
    throw new ChipError('CHIP_ARGUMENT', `${algorithm} digest must be ${length} bytes, got ${digest.length}`);
  }
  return concatBytes(prefix, digest);
}

export const digestInfoSha256 = (digest: Uint8Array): Uint8Array => digestInfo('SHA-256', digest);

/** The algorithm of a well-formed DigestInfo, or undefined when the bytes are not one. */
export function digestInfoAlgorithm(bytes: Uint8Array): DigestAlgorithm | undefined {
  for (const [name, { prefix, length }] of Object.entries(PREFIXES)) {
    if (bytes.length === prefix.length + length && bytesEqual(bytes.subarray(0, prefix.length), prefix)) {
      return name as DigestAlgorithm;
    }
  }
  return undefined;
}
