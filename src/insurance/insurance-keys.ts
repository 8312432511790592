import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { KeyRing } from '../keys/index.ts';
import { normalizeAddress, normalizeName, parseDate, parseSex } from '../matching/index.ts';
import type { LinkFacts } from './link-rule.ts';

/**
 * Keys of the insurance domain, each derived for one use from the ring's insurance key:
 * sealing the evidence a review keeps, the digest of the four items at link time, and the
 * tokens that stand for a review's candidates (so the review holds no resident id).
 */
export interface InsuranceKeys {
  seal(value: unknown): string;
  open<T>(sealed: string): T;
  /** Keyed digest of the normalised four items: equal items give equal digests. */
  factsDigest(facts: LinkFacts): string;
  /** A review's stand-in for a candidate resident, meaningless outside this review. */
  candidateToken(reviewId: string, residentId: string): string;
}

export function createInsuranceKeys(keys: KeyRing): InsuranceKeys {
  const base = keys.derive('insurance-link');
  const sub = (info: string): Buffer =>
    Buffer.from(hkdfSync('sha256', base, Buffer.from('myna-insurance'), Buffer.from(info), 32));
  const sealKey = sub('review-evidence');
  const digestKey = sub('link-digest');
  const tokenKey = sub('review-candidate');
  return {
    seal(value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open<T>(sealed: string): T {
      const raw = Buffer.from(sealed.slice(3), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', sealKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return JSON.parse(
        Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'),
      ) as T;
    },
    factsDigest(f) {
      const date = parseDate(f.birthDate);
      const parts = [
        normalizeName(`${f.familyName}${f.givenName ?? ''}`),
        date.ok ? date.value : '',
        parseSex(String(f.sex)) ?? '',
        normalizeAddress(f.address),
      ];
      return createHmac('sha256', digestKey).update(parts.join('\u0000')).digest('base64url');
    },
    candidateToken(reviewId, residentId) {
      return createHmac('sha256', tokenKey)
        .update(reviewId)
        .update(Buffer.of(0))
        .update(residentId)
        .digest('base64url')
        .slice(0, 22);
    },
  };
}
