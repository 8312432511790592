/**
 * Rendering for the card domain: the applicant's photo, the posted notice letters (PDF) and the
 * card faces (SVG/PNG). Pure functions of their input; no storage, no clock.
 */
export {
  CARD_HEIGHT,
  CARD_WIDTH,
  type CardFaceBack,
  type CardFaceFront,
  formatIndividualNumber,
  renderBackSvg,
  renderFrontSvg,
  svgToPng,
} from './card-face.ts';
export {
  type EraName,
  formatGregorianDate,
  formatJapaneseEraDate,
  type JapaneseEraDate,
  toJapaneseEra,
} from './era.ts';
export { groupApplicationId, type NoticeLetter, renderLetters } from './letters.ts';
export { PHOTO_HEIGHT, PHOTO_WIDTH, type PreparedPhoto, preparePhoto, sniffPhotoFormat } from './photo.ts';
export { type QrMatrix, type QrRun, qrMatrix, qrRuns } from './qr.ts';
