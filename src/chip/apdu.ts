/** ISO/IEC 7816-4 command and response APDUs: cases 1–4, short and extended length fields. */
import { ChipError } from './errors.ts';

/** Status words the chip answers. */
export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  SECURITY_STATUS_NOT_SATISFIED: 0x6982,
  AUTH_METHOD_BLOCKED: 0x6983,
  REFERENCE_DATA_NOT_USABLE: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  NO_CURRENT_EF: 0x6986,
  WRONG_DATA: 0x6a80,
  FILE_NOT_FOUND: 0x6a82,
  INCORRECT_P1P2: 0x6a86,
  WRONG_OFFSET: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  UNKNOWN_ERROR: 0x6f00,
  /** 63Cx: verification failed, x tries left. */
  TRIES_LEFT_BASE: 0x63c0,
} as const;

export const triesLeftSw = (tries: number): number => SW.TRIES_LEFT_BASE | (tries & 0x0f);
/** The tries left carried by a 63Cx status word, or undefined for any other word. */
export const triesFromSw = (sw: number): number | undefined =>
  (sw & 0xfff0) === SW.TRIES_LEFT_BASE ? sw & 0x0f : undefined;
export const swHex = (sw: number): string => sw.toString(16).toUpperCase().padStart(4, '0');

/** A malformed command: `sw` is the status word the card answers with. */
export class ApduError extends ChipError {
  readonly sw: number;
  constructor(sw: number, message: string) {
    super('CHIP_APDU', message);
    this.name = 'ApduError';
    this.sw = sw;
  }
}

export interface CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  /** Command data (empty for cases 1 and 2). */
  readonly data: Uint8Array;
  /** Expected response length: absent for cases 1 and 3; a zero Le field means 256 (short) or 65536 (extended). */
  readonly le?: number;
  readonly extended: boolean;
}

export interface CommandApduInput {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data?: Uint8Array;
  /** 1–65536; 256 is sent as a short `00`. */
  readonly le?: number;
  /** Force extended length fields even when short ones would do. */
  readonly extended?: boolean;
}

export interface ResponseApdu {
  readonly data: Uint8Array;
  readonly sw: number;
}

const wrongLength = (why: string) => new ApduError(SW.WRONG_LENGTH, `wrong length: ${why}`);

export function parseCommandApdu(bytes: Uint8Array): CommandApdu {
  if (bytes.length < 4) throw wrongLength('shorter than the 4-byte header');
  const [cla, ins, p1, p2] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  const head = { cla, ins, p1, p2 };
  const none = new Uint8Array(0);
  const n = bytes.length;
  if (n === 4) return { ...head, data: none, extended: false };
  const b4 = bytes[4]!;
  if (n === 5) return { ...head, data: none, le: b4 === 0 ? 256 : b4, extended: false };
  if (b4 !== 0) {
    if (n === 5 + b4) return { ...head, data: bytes.slice(5), extended: false };
    if (n === 6 + b4) {
      const le = bytes[n - 1]!;
      return { ...head, data: bytes.slice(5, 5 + b4), le: le === 0 ? 256 : le, extended: false };
    }
    throw wrongLength(`Lc ${b4} does not match ${n - 5} body bytes`);
  }
  // b4 = 00 with more bytes after it: extended length fields.
  if (n < 7) throw wrongLength('truncated extended length field');
  const word = (hi: number, lo: number) => (hi << 8) | lo;
  if (n === 7) {
    const le = word(bytes[5]!, bytes[6]!);
    return { ...head, data: none, le: le === 0 ? 65536 : le, extended: true };
  }
  const lc = word(bytes[5]!, bytes[6]!);
  if (lc === 0) throw wrongLength('extended Lc of zero');
  if (n === 7 + lc) return { ...head, data: bytes.slice(7), extended: true };
  if (n === 9 + lc) {
    const le = word(bytes[n - 2]!, bytes[n - 1]!);
    return { ...head, data: bytes.slice(7, 7 + lc), le: le === 0 ? 65536 : le, extended: true };
  }
  throw wrongLength(`extended Lc ${lc} does not match ${n - 7} body bytes`);
}

const isByte = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xff;

export function encodeCommandApdu(input: CommandApduInput): Uint8Array {
  const { cla, ins, p1, p2 } = input;
  const data = input.data ?? new Uint8Array(0);
  const le = input.le;
  if (![cla, ins, p1, p2].every(isByte))
    throw new ChipError('CHIP_ARGUMENT', 'APDU header bytes must be 0–255');
  if (data.length > 65535) throw new ChipError('CHIP_ARGUMENT', 'APDU data longer than 65535 bytes');
  if (le !== undefined && !(Number.isInteger(le) && le >= 1 && le <= 65536)) {
    throw new ChipError('CHIP_ARGUMENT', 'Le must be 1–65536');
  }
  const extended = input.extended === true || data.length > 255 || (le !== undefined && le > 256);
  const out: number[] = [cla, ins, p1, p2];
  if (!extended) {
    if (data.length > 0) out.push(data.length, ...data);
    if (le !== undefined) out.push(le & 0xff);
    return new Uint8Array(out);
  }
  if (data.length === 0 && le === undefined) return new Uint8Array(out); // case 1 has no length fields
  out.push(0);
  if (data.length > 0) out.push(data.length >> 8, data.length & 0xff, ...data);
  if (le !== undefined) out.push((le >> 8) & 0xff, le & 0xff); // 65536 wraps to 00 00
  return new Uint8Array(out);
}

/** Splits `data || SW1 SW2`. */
export function parseResponse(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2) throw new ChipError('CHIP_RESPONSE', 'response shorter than the 2-byte status word');
  const n = bytes.length;
  return { data: bytes.slice(0, n - 2), sw: (bytes[n - 2]! << 8) | bytes[n - 1]! };
}

export function encodeResponse(sw: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = (sw >> 8) & 0xff;
  out[data.length + 1] = sw & 0xff;
  return out;
}

/** The one interface every card user talks through; a PC/SC reader can implement it too. */
export interface CardReader {
  /** Sends a command APDU and resolves with `response data || SW1 SW2`. */
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
}
