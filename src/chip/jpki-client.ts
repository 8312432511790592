/**
 * Reads and uses a My Number card through any CardReader, with APDUs only, so the same code
 * drives the VirtualChip and a PC/SC reader holding a real card.
 */
import { type CardReader, encodeCommandApdu, parseResponse, SW, swHex, triesFromSw } from './apdu.ts';
import { concatBytes, fromHex, fromUtf8, utf8 } from './bytes.ts';
import { ChipError, type ChipErrorCode } from './errors.ts';
import { AID, type AppName, EF, type KeySlot, MAX_EF_SIZE, PINS, type PinName } from './layout.ts';
import { findPrivate, parseTlvs, readTlvHeader, type Tlv } from './tlv.ts';

/** A failed card operation; `sw` is the card's status word when the card answered. */
export class CardClientError extends ChipError {
  readonly sw: number | undefined;
  /** Set for CHIP_PIN_WRONG (tries left) and CHIP_PIN_LOCKED (0). */
  readonly triesLeft: number | undefined;

  constructor(code: ChipErrorCode, message: string, options: { sw?: number; triesLeft?: number } = {}) {
    super(code, message);
    this.name = 'CardClientError';
    this.sw = options.sw;
    this.triesLeft = options.triesLeft;
  }
}

export type FaceCollation = { readonly collationA: string } | { readonly collationB: string };
export type BasicFourAccess = { readonly pin: string } | FaceCollation;

export interface BasicFour {
  readonly name: string;
  readonly address: string;
  /** YYYYMMDD */
  readonly birthDate: string;
  /** ISO 5218: '1', '2' or '9' */
  readonly sex: string;
}

export interface CardFace extends BasicFour {
  /** Card expiry, YYYYMMDD. */
  readonly expiry: string;
  /** JPEG; absent on photo-less cards. */
  readonly photo?: Uint8Array;
  /** Only when read with collation number A. */
  readonly number?: string;
}

export interface CardClient {
  /** The signature certificate needs the signature password; the authentication one is free to read. */
  readCertificate(kind: KeySlot, password?: string): Promise<Uint8Array>;
  readCaCertificate(kind: KeySlot): Promise<Uint8Array>;
  /** The JPKI token without its space padding, e.g. 'JPKIAPICCTOKEN2' for a My Number card. */
  readToken(): Promise<string>;
  /** Signs a DER DigestInfo with the card's private key; returns the raw RSA signature. */
  sign(kind: KeySlot, pin: string, digestInfo: Uint8Array): Promise<Uint8Array>;
  verifyPin(pin: PinName, value: string): Promise<void>;
  triesLeft(pin: PinName): Promise<number>;
  changePin(pin: PinName, current: string, next: string): Promise<void>;
  /** My Number from the text AP, with the 4-digit 券面事項入力補助用暗証番号. */
  readNumber(pin: string): Promise<string>;
  readBasicFour(access: BasicFourAccess): Promise<BasicFour>;
  /** The image AP's card face; the number only comes with collation number A. */
  readFace(collation: FaceCollation): Promise<CardFace>;
}

const KEY_EF: Record<KeySlot, string> = {
  signature: EF.JPKI.SIGNATURE_KEY,
  authentication: EF.JPKI.AUTHENTICATION_KEY,
};
const CERT_EF: Record<KeySlot, string> = {
  signature: EF.JPKI.SIGNATURE_CERT,
  authentication: EF.JPKI.AUTHENTICATION_CERT,
};
const CA_EF: Record<KeySlot, string> = {
  signature: EF.JPKI.SIGNATURE_CA_CERT,
  authentication: EF.JPKI.AUTHENTICATION_CA_CERT,
};
/** Readers fetch this much first: enough for any tag and length header a card file starts with. */
const HEADER_PROBE = 7;
const CHUNK = 256;

/** Turns a status word into the error a caller can act on. */
function swError(sw: number, what: string): CardClientError {
  const tries = triesFromSw(sw);
  if (tries === 0 || sw === SW.AUTH_METHOD_BLOCKED) {
    return new CardClientError('CHIP_PIN_LOCKED', `${what}: PIN locked`, { sw, triesLeft: 0 });
  }
  if (tries !== undefined) {
    return new CardClientError('CHIP_PIN_WRONG', `${what}: wrong PIN, ${tries} tries left`, {
      sw,
      triesLeft: tries,
    });
  }
  if (sw === SW.SECURITY_STATUS_NOT_SATISFIED) {
    return new CardClientError('CHIP_SECURITY', `${what}: security status not satisfied`, { sw });
  }
  if (sw === SW.FILE_NOT_FOUND) return new CardClientError('CHIP_NOT_FOUND', `${what}: not found`, { sw });
  return new CardClientError('CHIP_RESPONSE', `${what}: card answered ${swHex(sw)}`, { sw });
}

const badResponse = (what: string) => new CardClientError('CHIP_RESPONSE', `${what}: malformed card data`);

function text(value: Uint8Array | undefined, what: string): string {
  if (value === undefined) throw badResponse(what);
  try {
    return fromUtf8(value);
  } catch {
    throw badResponse(what);
  }
}

/** The TLVs inside the one top-level TLV of a card file. */
function innerTlvs(file: Uint8Array, what: string): Tlv[] {
  const outer = parseTlvs(file)?.[0];
  const inner = outer === undefined ? undefined : parseTlvs(outer.value);
  if (inner === undefined) throw badResponse(what);
  return inner;
}

function checkPinFormat(pin: PinName, value: string): void {
  const spec = PINS[pin];
  if (spec === undefined) throw new CardClientError('CHIP_ARGUMENT', `unknown PIN ${String(pin)}`);
  if (typeof value !== 'string' || !spec.format.test(value)) {
    throw new CardClientError('CHIP_PIN_FORMAT', `${pin} PIN must be ${spec.formatText}`);
  }
}

/** The signature password is case-insensitive for the holder; the card stores it upper-case. */
const normalizePin = (pin: PinName, value: string): string =>
  pin === 'signature' && typeof value === 'string' ? value.toUpperCase() : value;

export function createCardClient(reader: CardReader): CardClient {
  async function send(
    what: string,
    cla: number,
    ins: number,
    p1: number,
    p2: number,
    data?: Uint8Array,
    le?: number,
  ): Promise<{ data: Uint8Array; sw: number }> {
    const apdu = encodeCommandApdu({
      cla,
      ins,
      p1,
      p2,
      ...(data === undefined ? {} : { data }),
      ...(le === undefined ? {} : { le }),
    });
    const raw = await reader.transmit(apdu);
    if (!(raw instanceof Uint8Array) || raw.length < 2) {
      throw new CardClientError('CHIP_RESPONSE', `${what}: response shorter than a status word`);
    }
    return parseResponse(raw);
  }

  async function expectOk(
    what: string,
    cla: number,
    ins: number,
    p1: number,
    p2: number,
    data?: Uint8Array,
    le?: number,
  ) {
    const r = await send(what, cla, ins, p1, p2, data, le);
    if (r.sw !== SW.OK) throw swError(r.sw, what);
    return r.data;
  }

  const selectAp = (app: AppName) => expectOk(`select ${app} AP`, 0x00, 0xa4, 0x04, 0x0c, fromHex(AID[app]));
  const selectEf = (fid: string) => expectOk(`select EF ${fid}`, 0x00, 0xa4, 0x02, 0x0c, fromHex(fid));
  const readAt = (fid: string, offset: number, le: number) =>
    expectOk(`read EF ${fid}`, 0x00, 0xb0, (offset >> 8) & 0x7f, offset & 0xff, undefined, le);

  /** Reads one BER-TLV file: 7 bytes first for the length, then the rest in chunks of at most 256. */
  async function readTlvFile(fid: string): Promise<Uint8Array> {
    await selectEf(fid);
    const first = await readAt(fid, 0, HEADER_PROBE);
    const h = readTlvHeader(first);
    if (h === undefined) throw badResponse(`EF ${fid} header`);
    const total = h.headerLength + h.length;
    if (total > MAX_EF_SIZE) throw badResponse(`EF ${fid} length ${total}`);
    const parts = [first.subarray(0, total)];
    for (let got = parts[0]!.length; got < total; ) {
      const chunk = await readAt(fid, got, Math.min(CHUNK, total - got));
      if (chunk.length === 0) throw badResponse(`EF ${fid} ends early`);
      parts.push(chunk.subarray(0, total - got));
      got += Math.min(chunk.length, total - got);
    }
    return concatBytes(...parts);
  }

  async function verifyOnSelectedAp(pin: PinName, value: string): Promise<void> {
    const v = normalizePin(pin, value);
    checkPinFormat(pin, v);
    await selectEf(PINS[pin].fid);
    await expectOk(`verify ${pin} PIN`, 0x00, 0x20, 0x00, 0x80, utf8(v));
  }

  async function openWith(pin: PinName, value: string): Promise<void> {
    checkPinFormat(pin, normalizePin(pin, value)); // before SELECT, so a typo costs no APDU
    await selectAp(PINS[pin].app);
    await verifyOnSelectedAp(pin, value);
  }

  return {
    async readCertificate(kind, password) {
      await selectAp('JPKI');
      if (kind === 'signature' && password !== undefined) await verifyOnSelectedAp('signature', password);
      return readTlvFile(CERT_EF[kind]);
    },

    async readCaCertificate(kind) {
      await selectAp('JPKI');
      return readTlvFile(CA_EF[kind]);
    },

    async readToken() {
      await selectAp('JPKI');
      await selectEf(EF.JPKI.TOKEN);
      return text(await readAt(EF.JPKI.TOKEN, 0, 32), 'token').replace(/ +$/, '');
    },

    async sign(kind, pin, digestInfo) {
      await openWith(kind, pin);
      await selectEf(KEY_EF[kind]);
      const signature = await expectOk(`sign with ${kind} key`, 0x80, 0x2a, 0x00, 0x80, digestInfo, 256);
      if (signature.length === 0) throw badResponse('signature');
      return signature;
    },

    async verifyPin(pin, value) {
      await openWith(pin, value);
    },

    async triesLeft(pin) {
      if (PINS[pin] === undefined) throw new CardClientError('CHIP_ARGUMENT', `unknown PIN ${String(pin)}`);
      await selectAp(PINS[pin].app);
      await selectEf(PINS[pin].fid);
      const { sw } = await send(`tries left for ${pin}`, 0x00, 0x20, 0x00, 0x80);
      if (sw === SW.AUTH_METHOD_BLOCKED) return 0;
      const tries = triesFromSw(sw);
      if (tries === undefined) throw swError(sw, `tries left for ${pin}`);
      return tries;
    },

    async changePin(pin, current, next) {
      if (PINS[pin] !== undefined && !PINS[pin].changeable) {
        throw new CardClientError('CHIP_ARGUMENT', `${pin} cannot be changed by the holder`);
      }
      const n = normalizePin(pin, next);
      checkPinFormat(pin, n);
      await openWith(pin, current);
      await expectOk(`change ${pin} PIN`, 0x00, 0x24, 0x01, 0x80, utf8(n));
    },

    async readNumber(pin) {
      await openWith('text', pin);
      const tlv = parseTlvs(await readTlvFile(EF.TEXT.NUMBER))?.[0];
      const number = tlv?.tagClass === 'private' && tlv.tagNumber === 0x10 ? text(tlv.value, 'number') : '';
      if (!/^[0-9]{12}$/.test(number)) throw badResponse('number');
      return number;
    },

    async readBasicFour(access) {
      if ('pin' in access) await openWith('text', access.pin);
      else if ('collationA' in access) await openWith('text-collation-a', access.collationA);
      else await openWith('text-collation-b', access.collationB);
      const tlvs = innerTlvs(await readTlvFile(EF.TEXT.BASIC_FOUR), 'basic four');
      return {
        name: text(findPrivate(tlvs, 0x22), 'name'),
        address: text(findPrivate(tlvs, 0x23), 'address'),
        birthDate: text(findPrivate(tlvs, 0x24), 'birth date'),
        sex: text(findPrivate(tlvs, 0x25), 'sex'),
      };
    },

    async readFace(collation) {
      const withA = 'collationA' in collation;
      if (withA) await openWith('image-collation-a', collation.collationA);
      else await openWith('image-collation-b', collation.collationB);
      // Our image AP stores name and address as UTF-8 text where a real card has PNG images.
      const tlvs = innerTlvs(await readTlvFile(EF.IMAGE.FACE), 'card face');
      const photo = findPrivate(tlvs, 0x27);
      const face = {
        name: text(findPrivate(tlvs, 0x25), 'name'),
        address: text(findPrivate(tlvs, 0x26), 'address'),
        birthDate: text(findPrivate(tlvs, 0x22), 'birth date'),
        sex: text(findPrivate(tlvs, 0x23), 'sex'),
        expiry: text(findPrivate(tlvs, 0x29), 'expiry'),
        ...(photo !== undefined && photo.length > 0 ? { photo: new Uint8Array(photo) } : {}),
      };
      if (!withA) return face;
      const number = text(
        findPrivate(innerTlvs(await readTlvFile(EF.IMAGE.NUMBER), 'number'), 0x41),
        'number',
      );
      if (!/^[0-9]{12}$/.test(number)) throw badResponse('number');
      return { ...face, number };
    },
  };
}
