/**
 * BER-TLV for the card's data files. Encoding goes through asn1js; decoding is a small tolerant
 * reader, because real cards bend BER (the text AP's My Number arrives as `FF 10 0C …`, a
 * "constructed" tag holding raw digits) and asn1js would reject that.
 */
import * as asn1js from 'asn1js';

const PRIVATE = 4; // asn1js tagClass numbering: 1 universal, 2 application, 3 context, 4 private

export const privatePrimitive = (tagNumber: number, value: Uint8Array): asn1js.Primitive =>
  new asn1js.Primitive({ idBlock: { tagClass: PRIVATE, tagNumber }, valueHex: value });

export const privateConstructed = (tagNumber: number, value: asn1js.BaseBlock[]): asn1js.Constructed =>
  new asn1js.Constructed({ idBlock: { tagClass: PRIVATE, tagNumber }, value });

export const toBer = (block: asn1js.BaseBlock): Uint8Array => new Uint8Array(block.toBER());

export type TagClass = 'universal' | 'application' | 'context' | 'private';
const CLASSES: readonly TagClass[] = ['universal', 'application', 'context', 'private'];

export interface TlvHeader {
  readonly tagClass: TagClass;
  readonly constructed: boolean;
  readonly tagNumber: number;
  /** Bytes taken by tag and length. */
  readonly headerLength: number;
  /** Bytes of value that follow the header. */
  readonly length: number;
}

export interface Tlv extends TlvHeader {
  readonly value: Uint8Array;
}

/**
 * Reads one tag and definite length at `at`. Returns undefined when the bytes are too short or
 * not a usable header (indefinite length, tags or lengths beyond what a card file can hold).
 * Certificates (`30 82 LL LL`) and card files (`FF 20 82 LL LL`) fit in the 7 bytes readers fetch first.
 */
export function readTlvHeader(bytes: Uint8Array, at = 0): TlvHeader | undefined {
  let i = at;
  const first = bytes[i++];
  if (first === undefined) return undefined;
  let tagNumber = first & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let n = 0; ; n++) {
      const b = bytes[i++];
      if (b === undefined || n === 3) return undefined;
      tagNumber = (tagNumber << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  const lb = bytes[i++];
  if (lb === undefined || lb === 0x80) return undefined;
  let length = lb;
  if (lb & 0x80) {
    const count = lb & 0x7f;
    if (count > 4) return undefined;
    length = 0;
    for (let n = 0; n < count; n++) {
      const b = bytes[i++];
      if (b === undefined) return undefined;
      length = length * 256 + b;
    }
  }
  return {
    tagClass: CLASSES[first >> 6]!,
    constructed: (first & 0x20) !== 0,
    tagNumber,
    headerLength: i - at,
    length,
  };
}

/** Splits a run of TLVs; undefined if any is malformed or overruns the bytes. */
export function parseTlvs(bytes: Uint8Array): Tlv[] | undefined {
  const out: Tlv[] = [];
  for (let at = 0; at < bytes.length; ) {
    const h = readTlvHeader(bytes, at);
    if (h === undefined) return undefined;
    const start = at + h.headerLength;
    if (start + h.length > bytes.length) return undefined;
    out.push({ ...h, value: bytes.subarray(start, start + h.length) });
    at = start + h.length;
  }
  return out;
}

/** The value of the first private-class TLV with `tagNumber`, whether or not it is marked constructed. */
export const findPrivate = (tlvs: readonly Tlv[], tagNumber: number): Uint8Array | undefined =>
  tlvs.find((t) => t.tagClass === 'private' && t.tagNumber === tagNumber)?.value;
