import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { AppError, randomView, uuidv7 } from '../core/index.ts';
import type { KeyRing } from '../keys/index.ts';
import { individualCheckDigit } from './check-digit.ts';
import { createDecimalPermutation } from './number-permutation.ts';

const BODY_DIGITS = 11;
/** Sealed layout: 12-byte IV ‖ 16-byte tag ‖ ciphertext of the 12 ASCII digits. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A number ready for the vault: what is stored, and the last four digits to show. */
export interface SealedNumber {
  readonly blindIndex: Buffer;
  readonly sealed: Buffer;
  readonly last4: string;
}

/**
 * The vault's pure half: numbers from counters, sealing and the blind index. It holds
 * keys but no database, so bulk imports can run it on a worker thread while the main
 * thread writes.
 */
export interface NumberSealer {
  readonly domain: number;
  /** The numbers for counters first … first+count−1 (FF1 body + check digit). */
  numbersFor(first: number, count: number): string[];
  seal(number: string, residentId: string): Buffer;
  unseal(sealed: Buffer, residentId: string): string;
  blindIndex(number: string): Buffer;
  /** A number sealed for `residentId`, with its blind index and last four digits. */
  sealedFor(number: string, residentId: string): SealedNumber;
  /** The vault-table row storing a sealed number, issued at `at`. */
  vaultRow(residentId: string, number: SealedNumber, at: Date): unknown[];
}

/** The purpose keys a sealer needs, e.g. to hand them to a worker thread. */
export interface SealerKeys {
  /** The master key's id, stored beside each sealed number (for rotation). */
  readonly keyId: string;
  readonly encryption: Buffer;
  readonly blindIndex: Buffer;
  readonly permutation: Buffer;
}

export function sealerKeys(keys: KeyRing): SealerKeys {
  return {
    keyId: keys.keyId,
    encryption: keys.derive('number-vault-encryption'),
    blindIndex: keys.derive('number-blind-index'),
    permutation: keys.derive('number-permutation'),
  };
}

export function createNumberSealer(keys: SealerKeys): NumberSealer {
  const permutation = createDecimalPermutation(
    keys.permutation,
    Buffer.from('individual-number'),
    BODY_DIGITS,
  );
  const blindIndex = (number: string): Buffer =>
    createHmac('sha256', keys.blindIndex).update(number).digest();

  function seal(number: string, residentId: string): Buffer {
    const iv = Buffer.from(randomView(IV_BYTES));
    const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv);
    // The resident id is authenticated data: a sealed number moved to another row fails.
    cipher.setAAD(Buffer.from(residentId));
    const body = Buffer.concat([cipher.update(number, 'ascii'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  return {
    domain: permutation.DOMAIN,
    blindIndex,
    seal,
    numbersFor(first, count) {
      const counters = new Float64Array(count);
      for (let i = 0; i < count; i++) counters[i] = first + i;
      const bodies = permutation.encryptBatch(counters);
      const out: string[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const body = String(bodies[i]).padStart(BODY_DIGITS, '0');
        out[i] = body + individualCheckDigit(body);
      }
      return out;
    },
    unseal(sealed, residentId) {
      const decipher = createDecipheriv('aes-256-gcm', keys.encryption, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(residentId));
      decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]).toString('ascii');
      } catch (cause) {
        throw new AppError('NUMBER_VAULT_INTEGRITY', 'internal', 'a sealed number failed authentication', {
          cause,
        });
      }
    },
    vaultRow(residentId, number, at) {
      return [
        uuidv7(at.getTime()),
        residentId,
        number.blindIndex,
        number.sealed,
        keys.keyId,
        'active',
        at.toISOString(),
      ];
    },
    sealedFor(number, residentId) {
      return { blindIndex: blindIndex(number), sealed: seal(number, residentId), last4: number.slice(-4) };
    },
  };
}
