/** The virtual My Number card chip and a card client. Browser-safe: WebCrypto and Uint8Array only. */
export {
  ApduError,
  type CardReader,
  type CommandApdu,
  type CommandApduInput,
  encodeCommandApdu,
  encodeResponse,
  parseCommandApdu,
  parseResponse,
  type ResponseApdu,
  SW,
  swHex,
  triesFromSw,
  triesLeftSw,
} from './apdu.ts';
export type { ChipContent } from './card-content.ts';
export { CARD_FILE_FORMAT, type CardFileHeader, readCardFileHeader } from './card-file.ts';
export type { Lifecycle } from './chip-state.ts';
export { type DigestAlgorithm, digestInfo, digestInfoSha256 } from './digest-info.ts';
export { ChipError, type ChipErrorCode, type ChipErrorKind } from './errors.ts';
export {
  type BasicFour,
  type BasicFourAccess,
  type CardClient,
  CardClientError,
  type CardFace,
  createCardClient,
  type FaceCollation,
} from './jpki-client.ts';
export {
  AID,
  type AppName,
  CARD_TOKEN,
  EF,
  type KeySlot,
  PIN_NAMES,
  PINS,
  type PinName,
  type PinSpec,
} from './layout.ts';
export { type PinStatus, VirtualChip } from './virtual-chip.ts';
