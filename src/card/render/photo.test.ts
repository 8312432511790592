import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { AppError } from '../../core/index.ts';
import { PHOTO_HEIGHT, PHOTO_WIDTH, preparePhoto, sniffPhotoFormat } from './photo.ts';

function gradient(width: number, height: number): sharp.Sharp {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = 128;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

async function rejectsWith(promise: Promise<unknown>, code: string, kind?: string): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (kind !== undefined) assert.equal(error.kind, kind);
    return error;
  }
  assert.fail(`expected ${code}`);
}

const CODES = new Set([
  'CARD_PHOTO_FORMAT',
  'CARD_PHOTO_TOO_LARGE',
  'CARD_PHOTO_CORRUPT',
  'CARD_PHOTO_DIMENSIONS',
]);

describe('preparePhoto', () => {
  it('re-encodes a JPEG to a 420×540 baseline JPEG', async () => {
    const input = await gradient(600, 800).jpeg({ quality: 95 }).toBuffer();
    const out = await preparePhoto(input);
    assert.equal(out.width, PHOTO_WIDTH);
    assert.equal(out.height, PHOTO_HEIGHT);
    assert.deepEqual([...out.jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    const meta = await sharp(out.jpeg).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.equal(meta.width, 420);
    assert.equal(meta.height, 540);
    assert.equal(meta.chromaSubsampling, '4:2:0');
    assert.ok(!Buffer.from(out.jpeg).equals(input), 'new bytes, not the original');
  });

  it('accepts a PNG, flattening transparency onto white', async () => {
    const input = await sharp({
      create: { width: 500, height: 650, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const out = await preparePhoto(input);
    const { data } = await sharp(out.jpeg).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data[0]! > 240 && data[1]! > 240 && data[2]! > 240, 'transparent became white, not black');
    assert.equal((await sharp(out.jpeg).metadata()).format, 'jpeg');
  });

  it('crops a portrait photo of another aspect to exactly 420×540', async () => {
    const out = await preparePhoto(await gradient(400, 590).png().toBuffer());
    const meta = await sharp(out.jpeg).metadata();
    assert.deepEqual([meta.width, meta.height], [420, 540]);
  });

  it('strips EXIF (including GPS), ICC and comments', async () => {
    const input = await gradient(600, 800)
      .withExif({
        IFD0: { Copyright: 'SECRET-OWNER', ImageDescription: 'home address' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '35/1 40/1 0/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '139/1 45/1 0/1',
        },
      })
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    const before = await sharp(input).metadata();
    assert.ok(before.exif && before.icc, 'the test input does carry metadata');
    assert.ok(input.includes('SECRET-OWNER'), 'the input holds the EXIF text');
    const out = await preparePhoto(input);
    const meta = await sharp(out.jpeg).metadata();
    assert.equal(meta.exif, undefined);
    assert.equal(meta.icc, undefined);
    assert.equal(meta.xmp, undefined);
    assert.equal(meta.comments, undefined);
    assert.ok(!Buffer.from(out.jpeg).includes('SECRET-OWNER'), 'EXIF text is gone');
    assert.ok(!Buffer.from(out.jpeg).includes('Exif'), 'no APP1 Exif segment');
  });

  it('applies the EXIF orientation before checking and cropping', async () => {
    // Stored landscape (left red, right blue); orientation 6 means "rotate 90° clockwise to view",
    // so the viewer sees a portrait photo, red on top.
    const red = await sharp({ create: { width: 400, height: 600, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const stored = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#0000ff' } })
      .composite([{ input: red, left: 0, top: 0 }])
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const out = await preparePhoto(stored);
    const { data, info } = await sharp(out.jpeg).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [420, 540]);
    const at = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3),
    ];
    const [r1, , b1] = at(210, 20);
    const [r2, , b2] = at(210, 520);
    assert.ok(r1! > 200 && b1! < 60, `top is red: ${at(210, 20)}`);
    assert.ok(b2! > 200 && r2! < 60, `bottom is blue: ${at(210, 520)}`);
    assert.equal((await sharp(out.jpeg).metadata()).orientation, undefined);
  });

  it('rejects GIF, WebP, PDF, random and empty bytes as CARD_PHOTO_FORMAT', async () => {
    const gif = await gradient(600, 800).gif().toBuffer();
    const webp = await gradient(600, 800).webp().toBuffer();
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
    const random = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919 + 13) % 251));
    for (const bytes of [gif, webp, pdf, random, new Uint8Array(0)]) {
      await rejectsWith(preparePhoto(bytes), 'CARD_PHOTO_FORMAT', 'unsupported-media');
    }
  });

  it('recognises formats by magic bytes, not by anything else', () => {
    assert.equal(sniffPhotoFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), 'jpeg');
    assert.equal(sniffPhotoFormat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'png');
    assert.equal(sniffPhotoFormat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a])), undefined);
    assert.equal(sniffPhotoFormat(Buffer.from('GIF89a')), undefined);
  });

  it('rejects a truncated JPEG or PNG as CARD_PHOTO_CORRUPT', async () => {
    const jpeg = await gradient(600, 800).jpeg().toBuffer();
    await rejectsWith(preparePhoto(jpeg.subarray(0, jpeg.length / 2)), 'CARD_PHOTO_CORRUPT', 'invalid');
    await rejectsWith(preparePhoto(jpeg.subarray(0, 40)), 'CARD_PHOTO_CORRUPT', 'invalid');
    const png = await gradient(600, 800).png().toBuffer();
    await rejectsWith(preparePhoto(png.subarray(0, png.length / 2)), 'CARD_PHOTO_CORRUPT', 'invalid');
  });

  it('rejects a PNG signature followed by a JPEG body as CARD_PHOTO_CORRUPT', async () => {
    const jpeg = await gradient(600, 800).jpeg().toBuffer();
    const fake = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), jpeg]);
    await rejectsWith(preparePhoto(fake), 'CARD_PHOTO_CORRUPT');
  });

  it('rejects small or non-portrait photos as CARD_PHOTO_DIMENSIONS, saying what is needed', async () => {
    const small = await rejectsWith(
      preparePhoto(await gradient(100, 100).jpeg().toBuffer()),
      'CARD_PHOTO_DIMENSIONS',
      'invalid',
    );
    assert.match(small.message, /240×300/);
    assert.match(small.message, /100×100/);
    await rejectsWith(preparePhoto(await gradient(800, 600).png().toBuffer()), 'CARD_PHOTO_DIMENSIONS');
    await rejectsWith(preparePhoto(await gradient(600, 600).jpeg().toBuffer()), 'CARD_PHOTO_DIMENSIONS');
    await rejectsWith(preparePhoto(await gradient(400, 800).jpeg().toBuffer()), 'CARD_PHOTO_DIMENSIONS');
    await rejectsWith(preparePhoto(await gradient(230, 300).jpeg().toBuffer()), 'CARD_PHOTO_DIMENSIONS');
    // Exactly at the limits is fine.
    await preparePhoto(await gradient(240, 300).jpeg().toBuffer());
  });

  it('rejects input over the byte limit as CARD_PHOTO_TOO_LARGE', async () => {
    const jpeg = await gradient(600, 800).jpeg().toBuffer();
    await rejectsWith(preparePhoto(jpeg, { maxBytes: jpeg.length - 1 }), 'CARD_PHOTO_TOO_LARGE', 'too-large');
    await preparePhoto(jpeg, { maxBytes: jpeg.length });
    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    big.set([0xff, 0xd8, 0xff]);
    await rejectsWith(preparePhoto(big), 'CARD_PHOTO_TOO_LARGE', 'too-large');
  });

  it('rejects a decompression bomb (huge declared dimensions) without decoding it', async () => {
    const png = Buffer.from(await gradient(300, 400).png().toBuffer());
    // IHDR is the first chunk: length(4) type(4) width(4) height(4) … crc(4) after 13 data bytes.
    png.writeUInt32BE(20_000, 16);
    png.writeUInt32BE(26_000, 20);
    png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
    const started = performance.now();
    await rejectsWith(preparePhoto(png), 'CARD_PHOTO_TOO_LARGE', 'too-large');
    assert.ok(performance.now() - started < 2000, 'rejected without decoding');
  });

  it('only ever fails with one of its own codes (random bytes, with and without magic)', async () => {
    const seed = await gradient(300, 390).jpeg({ quality: 50 }).toBuffer();
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      fc.uint8Array({ maxLength: 512 }).map((b) => Uint8Array.from([0xff, 0xd8, 0xff, ...b])),
      fc
        .uint8Array({ maxLength: 512 })
        .map((b) => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...b])),
      // A real JPEG with a few bytes flipped: may still decode, must never throw anything foreign.
      fc
        .array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        })
        .map((flips) => {
          const copy = Uint8Array.from(seed);
          for (const [at, xor] of flips) copy[at] = copy[at]! ^ xor;
          return copy;
        }),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (input) => {
        try {
          const out = await preparePhoto(input);
          const meta = await sharp(out.jpeg).metadata();
          return meta.width === 420 && meta.height === 540 && meta.exif === undefined;
        } catch (error) {
          return error instanceof AppError && CODES.has(error.code);
        }
      }),
      { numRuns: 300 },
    );
  });
});
