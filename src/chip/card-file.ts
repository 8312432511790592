/**
 * The encrypted card file: one line of JSON header, a newline, then AES-256-GCM ciphertext of the
 * chip state. The header travels in the clear (so a wallet can tell cards apart without keys) but
 * is bound as additional authenticated data, so editing it breaks decryption.
 */
import { buf, concatBytes, fromBase64Url, fromUtf8, toBase64Url, utf8 } from './bytes.ts';
import { ChipError } from './errors.ts';

export const CARD_FILE_FORMAT = 'myna-virtual-card/1';

export interface CardFileHeader {
  readonly format: typeof CARD_FILE_FORMAT;
  readonly cardId: string;
  readonly alg: 'A256GCM';
  /** 12-byte GCM nonce, base64url; fresh for every save. */
  readonly iv: string;
}

const corrupt = (message: string, cause?: unknown) =>
  new ChipError('CHIP_FILE_CORRUPT', message, cause === undefined ? {} : { cause });

async function importCardKey(cardKey: Uint8Array, usage: 'encrypt' | 'decrypt') {
  if (!(cardKey instanceof Uint8Array) || cardKey.length !== 32) {
    throw new ChipError('CHIP_ARGUMENT', 'card key must be 32 bytes');
  }
  return globalThis.crypto.subtle.importKey('raw', buf(cardKey), 'AES-GCM', false, [usage]);
}

export async function sealCardFile(
  cardId: string,
  plaintext: Uint8Array,
  cardKey: Uint8Array,
): Promise<Uint8Array> {
  const key = await importCardKey(cardKey, 'encrypt');
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const header: CardFileHeader = { format: CARD_FILE_FORMAT, cardId, alg: 'A256GCM', iv: toBase64Url(iv) };
  const aad = utf8(JSON.stringify(header));
  const ciphertext = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad) },
    key,
    buf(plaintext),
  );
  return concatBytes(aad, new Uint8Array([0x0a]), new Uint8Array(ciphertext));
}

function splitCardFile(file: Uint8Array): {
  header: CardFileHeader;
  aad: Uint8Array;
  ciphertext: Uint8Array;
} {
  const nl = file.indexOf(0x0a);
  if (nl < 0) throw corrupt('card file has no header line');
  const aad = file.subarray(0, nl);
  let raw: unknown;
  try {
    raw = JSON.parse(fromUtf8(aad));
  } catch (cause) {
    throw corrupt('card file header is not JSON', cause);
  }
  const h = raw as Partial<CardFileHeader> | null;
  if (typeof h !== 'object' || h === null) throw corrupt('card file header is not an object');
  if (h.format !== CARD_FILE_FORMAT) throw corrupt(`unsupported card file format ${String(h.format)}`);
  if (h.alg !== 'A256GCM' || typeof h.cardId !== 'string' || typeof h.iv !== 'string') {
    throw corrupt('card file header is incomplete');
  }
  return { header: h as CardFileHeader, aad, ciphertext: file.subarray(nl + 1) };
}

/** The clear header, e.g. to find the card ID before asking for the key. */
export const readCardFileHeader = (file: Uint8Array): CardFileHeader => splitCardFile(file).header;

export async function openCardFile(
  file: Uint8Array,
  cardKey: Uint8Array,
): Promise<{ header: CardFileHeader; plaintext: Uint8Array }> {
  const { header, aad, ciphertext } = splitCardFile(file);
  const key = await importCardKey(cardKey, 'decrypt');
  let iv: Uint8Array;
  try {
    iv = fromBase64Url(header.iv);
  } catch (cause) {
    throw corrupt('card file IV is not base64url', cause);
  }
  if (iv.length !== 12) throw corrupt('card file IV must be 12 bytes');
  try {
    const plain = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad) },
      key,
      buf(ciphertext),
    );
    return { header, plaintext: new Uint8Array(plain) };
  } catch (cause) {
    throw corrupt('card file does not decrypt: wrong card key or tampered file', cause);
  }
}
