import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../core/index.ts';

/**
 * AES-256-GCM for what the card domain alone holds (photo, contact, security code, a
 * chip awaiting hand-over). The row id is the AAD, so a sealed value moved to another
 * row does not open. Layout: 12-byte IV || ciphertext || 16-byte tag.
 */
export interface CardSealer {
  seal(plain: Uint8Array, rowId: string): Uint8Array;
  open(sealed: Uint8Array, rowId: string): Uint8Array;
}

export function createCardSealer(key: Uint8Array): CardSealer {
  if (key.length !== 32) throw new Error('the card sealing key must be 32 bytes');
  return {
    seal(plain, rowId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(rowId, 'utf8'));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([iv, body, cipher.getAuthTag()]);
    },
    open(sealed, rowId) {
      try {
        const bytes = Buffer.from(sealed);
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
        decipher.setAAD(Buffer.from(rowId, 'utf8'));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
      } catch (cause) {
        throw new AppError('CARD_SEALED_CORRUPT', 'internal', 'a sealed card record does not open', {
          cause,
        });
      }
    },
  };
}
