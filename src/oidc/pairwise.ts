import { createHmac } from 'node:crypto';

/**
 * The subject a relying party sees: HMAC-SHA-256 over its client id and the internal
 * account id, under a key derived for this purpose alone. Stable for one service, and
 * unlinkable across services without the key; the account id never leaves.
 */
export function pairwiseSubject(key: Buffer, clientId: string, accountId: string): string {
  return createHmac('sha256', key).update(`${clientId}\u0000${accountId}`, 'utf8').digest('base64url');
}
