import sharp from 'sharp';
import { AppError } from '../../core/index.ts';

/** Size of the stored photo: 35×45 mm at roughly 300 dpi, the shape of the card's photo window. */
export const PHOTO_WIDTH = 420;
export const PHOTO_HEIGHT = 540;

const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
/** Decompression-bomb guard: a phone photo is 12–50 MP; anything bigger is not a face photo. */
const MAX_INPUT_PIXELS = 40_000_000;
const MIN_WIDTH = 240;
const MIN_HEIGHT = 300;
/** The rule is 45×35 mm (≈ 1.29); allow some slack for cropping by the applicant. */
const MIN_ASPECT = 1.1;
const MAX_ASPECT = 1.5;

export interface PreparedPhoto {
  /** Newly encoded baseline JPEG, exactly PHOTO_WIDTH×PHOTO_HEIGHT, no metadata. */
  readonly jpeg: Uint8Array;
  readonly width: number;
  readonly height: number;
}

type PhotoFormat = 'jpeg' | 'png';

/** Recognise the format by its magic bytes only: a filename or a declared MIME type is the sender's claim. */
export function sniffPhotoFormat(bytes: Uint8Array): PhotoFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= png.length && png.every((b, i) => bytes[i] === b)) return 'png';
  return undefined;
}

function formatError(): AppError {
  return new AppError('CARD_PHOTO_FORMAT', 'unsupported-media', 'The photo must be a JPEG or PNG image');
}

function corrupt(cause?: unknown): AppError {
  return new AppError(
    'CARD_PHOTO_CORRUPT',
    'invalid',
    'The photo could not be decoded (corrupt or truncated)',
    cause === undefined ? {} : { cause },
  );
}

function tooManyPixels(width: number, height: number): AppError {
  return new AppError(
    'CARD_PHOTO_TOO_LARGE',
    'too-large',
    `The photo has too many pixels (${width}×${height}); at most ${MAX_INPUT_PIXELS / 1_000_000} megapixels`,
  );
}

/**
 * Checks an applicant's face photo and re-encodes it for the card: oriented upright, cropped to the
 * card's photo shape, and stripped of every byte of the original (EXIF, GPS, ICC, comments).
 */
export async function preparePhoto(
  bytes: Uint8Array,
  options: { maxBytes?: number } = {},
): Promise<PreparedPhoto> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length === 0) throw formatError();
  if (bytes.length > maxBytes) {
    throw new AppError('CARD_PHOTO_TOO_LARGE', 'too-large', `The photo must be at most ${maxBytes} bytes`, {
      details: [{ code: 'CARD_PHOTO_TOO_LARGE', message: `${bytes.length} bytes sent`, at: 'photo' }],
    });
  }
  const format = sniffPhotoFormat(bytes);
  if (format === undefined) throw formatError();

  const input = { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS, sequentialRead: true } as const;
  let meta: sharp.Metadata;
  try {
    // Reading the header decodes no pixels, so the pixel limit is checked below with a clearer error.
    meta = await sharp(bytes, { ...input, limitInputPixels: false }).metadata();
  } catch (cause) {
    throw corrupt(cause);
  }
  // The magic said JPEG/PNG; a decoder that disagrees means the bytes only pretend to be one.
  if (meta.format !== format) throw corrupt();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (width === undefined || height === undefined || width === 0 || height === 0) throw corrupt();
  if (width * height > MAX_INPUT_PIXELS) throw tooManyPixels(width, height);
  const aspect = height / width;
  if (width < MIN_WIDTH || height < MIN_HEIGHT || aspect < MIN_ASPECT || aspect > MAX_ASPECT) {
    throw new AppError(
      'CARD_PHOTO_DIMENSIONS',
      'invalid',
      `The photo is ${width}×${height} px; it must be at least ${MIN_WIDTH}×${MIN_HEIGHT} px and portrait, ` +
        `height/width between ${MIN_ASPECT} and ${MAX_ASPECT} (the card photo is 35 mm wide, 45 mm high)`,
    );
  }

  let jpeg: Buffer;
  try {
    // sharp writes no metadata unless asked (withMetadata/keep*), so the output carries none of the input's.
    jpeg = await sharp(bytes, input)
      .rotate()
      .resize(PHOTO_WIDTH, PHOTO_HEIGHT, { fit: 'cover', position: 'centre' })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .jpeg({ quality: 85, chromaSubsampling: '4:2:0', mozjpeg: false })
      .toBuffer();
  } catch (cause) {
    // Header and data can disagree; sharp then stops at its own pixel limit while decoding.
    if (cause instanceof Error && /pixel limit/i.test(cause.message)) throw tooManyPixels(width, height);
    throw corrupt(cause);
  }
  return {
    jpeg: new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength),
    width: PHOTO_WIDTH,
    height: PHOTO_HEIGHT,
  };
}
