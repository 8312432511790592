/** Where things live on the chip: application IDs, file IDs and the PIN table (DOMAIN.md §3.2–3.5). */

/** Application identifiers, hex. */
export const AID = {
  /** 公的個人認証AP */
  JPKI: 'D392F000260100000001',
  /** 券面事項入力補助AP (text AP) */
  TEXT: 'D3921000310001010408',
  /** 券面事項確認AP (image AP) */
  IMAGE: 'D3921000310001010402',
} as const;
export type AppName = keyof typeof AID;

/** Elementary file IDs, hex, per application. */
export const EF = {
  JPKI: {
    SIGNATURE_CERT: '0001',
    SIGNATURE_CA_CERT: '0002',
    TOKEN: '0006',
    AUTHENTICATION_CERT: '000A',
    AUTHENTICATION_CA_CERT: '000B',
    AUTHENTICATION_KEY: '0017',
    AUTHENTICATION_PIN: '0018',
    SIGNATURE_KEY: '001A',
    SIGNATURE_PIN: '001B',
  },
  TEXT: {
    NUMBER: '0001',
    BASIC_FOUR: '0002',
    PIN: '0011',
    COLLATION_A: '0014',
    COLLATION_B: '0015',
  },
  IMAGE: {
    FACE: '0002',
    NUMBER: '0005',
    COLLATION_B: '0012',
    COLLATION_A: '0013',
  },
} as const;

export type KeySlot = 'signature' | 'authentication';

export type PinName =
  | 'signature'
  | 'authentication'
  | 'text'
  | 'text-collation-a'
  | 'text-collation-b'
  | 'image-collation-a'
  | 'image-collation-b';

export interface PinSpec {
  readonly app: AppName;
  readonly fid: string;
  readonly format: RegExp;
  readonly formatText: string;
  readonly maxTries: number;
  /** Collation numbers are printed on (or derived from) the card and cannot be changed by the holder. */
  readonly changeable: boolean;
}

const DIGITS4 = { format: /^[0-9]{4}$/, formatText: '4 digits', maxTries: 3 };
const COLLATION_A = { format: /^[0-9]{12}$/, formatText: '12 digits', maxTries: 3, changeable: false };
const COLLATION_B = { format: /^[0-9]{14}$/, formatText: '14 digits', maxTries: 3, changeable: false };

export const PINS: Readonly<Record<PinName, PinSpec>> = {
  signature: {
    app: 'JPKI',
    fid: EF.JPKI.SIGNATURE_PIN,
    format: /^[A-Z0-9]{6,16}$/,
    formatText: '6–16 characters A–Z 0–9',
    maxTries: 5,
    changeable: true,
  },
  authentication: { app: 'JPKI', fid: EF.JPKI.AUTHENTICATION_PIN, ...DIGITS4, changeable: true },
  text: { app: 'TEXT', fid: EF.TEXT.PIN, ...DIGITS4, changeable: true },
  'text-collation-a': { app: 'TEXT', fid: EF.TEXT.COLLATION_A, ...COLLATION_A },
  'text-collation-b': { app: 'TEXT', fid: EF.TEXT.COLLATION_B, ...COLLATION_B },
  'image-collation-a': { app: 'IMAGE', fid: EF.IMAGE.COLLATION_A, ...COLLATION_A },
  'image-collation-b': { app: 'IMAGE', fid: EF.IMAGE.COLLATION_B, ...COLLATION_B },
};

export const PIN_NAMES = Object.keys(PINS) as PinName[];

/** The longest PIN any PIN EF accepts; longer VERIFY data is a wrong length, not a wrong PIN. */
export const MAX_PIN_LENGTH = 16;

/** Token EF content: 'JPKIAPICCTOKEN2' space-padded to 32 bytes marks a My Number card. */
export const CARD_TOKEN = 'JPKIAPICCTOKEN2'.padEnd(32, ' ');

/** READ BINARY offsets are 15 bits, so no file may be larger than 32 KiB. */
export const MAX_EF_SIZE = 0x8000;
