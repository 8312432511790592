/** What the issuer writes onto the chip, and the data files built from it. */
import { utf8 } from './bytes.ts';
import { ChipError } from './errors.ts';
import { type AppName, CARD_TOKEN, EF, MAX_EF_SIZE } from './layout.ts';
import { privateConstructed, privatePrimitive, readTlvHeader, toBer } from './tlv.ts';

export interface ChipContent {
  /** Absent for cards of people under 15, who get no signature certificate. */
  readonly signatureCertificate?: Uint8Array;
  readonly signatureCaCertificate?: Uint8Array;
  readonly authenticationCertificate: Uint8Array;
  readonly authenticationCaCertificate: Uint8Array;
  /** The 12-digit My Number; also collation number A. */
  readonly number: string;
  readonly name: string;
  readonly address: string;
  /** YYYYMMDD */
  readonly birthDate: string;
  /** ISO 5218: 1 male, 2 female, 9 not applicable. */
  readonly sex: '1' | '2' | '9';
  /** Card expiry, YYYYMMDD. */
  readonly expiry: string;
  /** The 4-digit security code printed on the card face; part of collation number B. */
  readonly securityCode: string;
  /** JPEG face photo; absent for photo-less cards (children under 1). */
  readonly photo?: Uint8Array;
}

/** Header byte of our 0x21 fields: the virtual card's layout version (real cards store offsets here). */
const LAYOUT_VERSION = 1;

const bad = (message: string) => new ChipError('CHIP_ARGUMENT', message);

function isCalendarDate(text: string): boolean {
  if (!/^[0-9]{8}$/.test(text)) return false;
  const y = Number(text.slice(0, 4));
  const m = Number(text.slice(4, 6));
  const d = Number(text.slice(6, 8));
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return days !== undefined && d >= 1 && d <= days;
}

/** A certificate EF must hold exactly one DER SEQUENCE, because readers size their reads from its header. */
export function checkCertificate(what: string, der: Uint8Array): void {
  if (!(der instanceof Uint8Array)) throw bad(`${what} must be a Uint8Array`);
  const h = readTlvHeader(der);
  if (h === undefined || der[0] !== 0x30 || h.headerLength + h.length !== der.length) {
    throw bad(`${what} is not a single DER SEQUENCE`);
  }
}

export function checkContent(c: ChipContent): void {
  for (const f of ['number', 'name', 'address', 'birthDate', 'sex', 'expiry', 'securityCode'] as const) {
    if (typeof c[f] !== 'string') throw bad(`${f} must be a string`);
  }
  if (c.photo !== undefined && !(c.photo instanceof Uint8Array)) throw bad('photo must be a Uint8Array');
  if (!/^[0-9]{12}$/.test(c.number)) throw bad('number must be 12 digits');
  if (c.name.trim() === '') throw bad('name is empty');
  if (c.address.trim() === '') throw bad('address is empty');
  if (!isCalendarDate(c.birthDate)) throw bad('birthDate must be a YYYYMMDD date');
  if (!isCalendarDate(c.expiry)) throw bad('expiry must be a YYYYMMDD date');
  if (!['1', '2', '9'].includes(c.sex)) throw bad("sex must be '1', '2' or '9'");
  if (!/^[0-9]{4}$/.test(c.securityCode)) throw bad('securityCode must be 4 digits');
  if ((c.signatureCertificate === undefined) !== (c.signatureCaCertificate === undefined)) {
    throw bad('signature certificate and its CA certificate come together');
  }
  if (c.signatureCertificate) checkCertificate('signatureCertificate', c.signatureCertificate);
  if (c.signatureCaCertificate) checkCertificate('signatureCaCertificate', c.signatureCaCertificate);
  checkCertificate('authenticationCertificate', c.authenticationCertificate);
  checkCertificate('authenticationCaCertificate', c.authenticationCaCertificate);
}

/** Collation number B: birth date YYMMDD + expiry year YYYY + security code. */
export const collationB = (c: ChipContent): string =>
  c.birthDate.slice(2) + c.expiry.slice(0, 4) + c.securityCode;

export type CardFiles = Readonly<Record<AppName, ReadonlyMap<string, Uint8Array>>>;

/** Builds every data EF; throws CHIP_ARGUMENT if one would not fit the 15-bit READ BINARY offset. */
export function buildFiles(c: ChipContent): CardFiles {
  const ascii = utf8;
  const jpki = new Map<string, Uint8Array>([
    [EF.JPKI.TOKEN, ascii(CARD_TOKEN)],
    [EF.JPKI.AUTHENTICATION_CERT, c.authenticationCertificate],
    [EF.JPKI.AUTHENTICATION_CA_CERT, c.authenticationCaCertificate],
  ]);
  if (c.signatureCertificate) jpki.set(EF.JPKI.SIGNATURE_CERT, c.signatureCertificate);
  if (c.signatureCaCertificate) jpki.set(EF.JPKI.SIGNATURE_CA_CERT, c.signatureCaCertificate);

  const header = privatePrimitive(0x21, new Uint8Array([LAYOUT_VERSION]));
  const text = new Map<string, Uint8Array>([
    [EF.TEXT.NUMBER, numberFile(c.number)],
    [
      EF.TEXT.BASIC_FOUR,
      toBer(
        privateConstructed(0x20, [
          header,
          privatePrimitive(0x22, utf8(c.name)),
          privatePrimitive(0x23, utf8(c.address)),
          privatePrimitive(0x24, ascii(c.birthDate)),
          privatePrimitive(0x25, ascii(c.sex)),
        ]),
      ),
    ],
  ]);
  // Real cards hold PNG renderings of name and address and a JPEG 2000 photo; we keep text and JPEG.
  const image = new Map<string, Uint8Array>([
    [
      EF.IMAGE.FACE,
      toBer(
        privateConstructed(0x20, [
          privatePrimitive(0x21, new Uint8Array([LAYOUT_VERSION])),
          privatePrimitive(0x22, ascii(c.birthDate)),
          privatePrimitive(0x23, ascii(c.sex)),
          privatePrimitive(0x25, utf8(c.name)),
          privatePrimitive(0x26, utf8(c.address)),
          privatePrimitive(0x27, c.photo ?? new Uint8Array(0)),
          privatePrimitive(0x29, ascii(c.expiry)),
        ]),
      ),
    ],
    [EF.IMAGE.NUMBER, toBer(privateConstructed(0x40, [privatePrimitive(0x41, ascii(c.number))]))],
  ]);
  const files = { JPKI: jpki, TEXT: text, IMAGE: image };
  for (const [app, map] of Object.entries(files)) {
    for (const [fid, bytes] of map) {
      if (bytes.length > MAX_EF_SIZE)
        throw bad(`${app} EF ${fid} would be ${bytes.length} bytes (max ${MAX_EF_SIZE})`);
    }
  }
  return files;
}

/**
 * The text AP's number file as the real card holds it: `FF 10 0C` and the 12 ASCII
 * digits, which readers take either as a long-form private tag 16 or as one byte of
 * padding before a tag-16 TLV, and slice at [3, 15). asn1js always writes tag 16 in
 * its short form (`D0`), so these three header bytes are written as the card has them.
 */
function numberFile(number: string): Uint8Array {
  const digits = utf8(number);
  const out = new Uint8Array(3 + digits.length);
  out.set([0xff, 0x10, digits.length]);
  out.set(digits, 3);
  return out;
}
