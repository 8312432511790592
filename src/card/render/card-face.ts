import { Resvg } from '@resvg/resvg-js';
import { AppError } from '../../core/index.ts';
import { formatGregorianDate, formatJapaneseEraDate, parseIsoDate } from './era.ts';
import { FONT_BOLD_PATH, FONT_FAMILY, FONT_REGULAR_PATH } from './fonts.ts';
import { qrMatrix, qrRuns } from './qr.ts';
import { escapeXml, estimateEms, oneLine, wrapByEms } from './text.ts';

/** What the front of the card shows. It has no field for the individual number: only the back prints it. */
export interface CardFaceFront {
  name: string;
  address: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: 'male' | 'female' | 'unknown' | string;
  /** YYYY-MM-DD, last day of validity */
  expiry: string;
  /** JPEG (or PNG) of the face; absent for photo-less cards (children under 1). */
  photo?: Uint8Array;
  /** The 4-digit code printed small on the real front. */
  securityCode: string;
  municipality: string;
}

export interface CardFaceBack {
  /** 12 digits */
  number: string;
  name: string;
  /** YYYY-MM-DD */
  birthDate: string;
  /** What the back's QR code encodes. */
  qrText: string;
}

/** ID-1 card, 85.60 × 53.98 mm, drawn at 0.1 mm per unit. */
export const CARD_WIDTH = 856;
export const CARD_HEIGHT = 540;

const FONT = escapeXml(FONT_FAMILY);

function invalid(at: string, message: string): AppError {
  return new AppError('CARD_RENDER_INVALID', 'invalid', `Card face cannot be drawn: ${message}`, {
    details: [{ at, code: 'CARD_RENDER_INVALID', message }],
  });
}

function requireDate(value: string, at: string): string {
  if (!parseIsoDate(value)) throw invalid(at, `${at} must be a real date as YYYY-MM-DD`);
  return value;
}

function textEl(
  x: number,
  y: number,
  size: number,
  content: string,
  attrs: { bold?: boolean; anchor?: 'start' | 'middle' | 'end'; fill?: string } = {},
): string {
  const weight = attrs.bold ? ' font-weight="700"' : '';
  const anchor = attrs.anchor && attrs.anchor !== 'start' ? ` text-anchor="${attrs.anchor}"` : '';
  return (
    `<text x="${x}" y="${y}" font-family="${FONT}" font-size="${round(size)}"${weight}${anchor}` +
    ` fill="${attrs.fill ?? '#1a1a1a'}">${escapeXml(content)}</text>`
  );
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** One line that fits `width` units: shrinks the font down to `minSize`, then cuts with an ellipsis. */
function fitLine(
  content: string,
  size: number,
  minSize: number,
  width: number,
): { text: string; size: number } {
  const ems = estimateEms(content);
  if (ems * size <= width) return { text: content, size };
  const shrunk = width / ems;
  if (shrunk >= minSize) return { text: content, size: shrunk };
  const [first] = wrapByEms(content, width / minSize - 1);
  return { text: `${first ?? ''}…`, size: minSize };
}

/** Up to `maxLines` lines, shrinking once before cutting the last line. */
function fitBlock(
  content: string,
  size: number,
  minSize: number,
  width: number,
  maxLines: number,
): { lines: string[]; size: number } {
  for (const s of [size, (size + minSize) / 2, minSize]) {
    const lines = wrapByEms(content, width / s);
    if (lines.length <= maxLines) return { lines, size: s };
  }
  const lines = wrapByEms(content, width / minSize).slice(0, maxLines);
  lines[maxLines - 1] = `${Array.from(lines[maxLines - 1]!)
    .slice(0, -1)
    .join('')}…`;
  return { lines, size: minSize };
}

function qrRects(text: string, x: number, y: number, size: number): string {
  const matrix = qrMatrix(text);
  const quiet = 4;
  const m = size / (matrix.size + 2 * quiet);
  const rects = qrRuns(matrix).map(
    (r) =>
      `<rect x="${round(x + (r.col + quiet) * m)}" y="${round(y + (r.row + quiet) * m)}" ` +
      `width="${round(r.length * m)}" height="${round(m)}"/>`,
  );
  return (
    `<g class="qr" data-modules="${matrix.size}" data-module-size="${round(m)}">` +
    `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="#ffffff"/>` +
    `<g fill="#000000" shape-rendering="crispEdges">${rects.join('')}</g></g>`
  );
}

function photoMime(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  return undefined;
}

function sexLabel(sex: string): string {
  if (sex === 'male' || sex === '1') return '男';
  if (sex === 'female' || sex === '2') return '女';
  return '';
}

function issuerLabel(municipality: string): string {
  const name = oneLine(municipality, 40);
  return name === '' || name.endsWith('長') ? name : `${name}長`;
}

function frame(body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${CARD_WIDTH}" height="${CARD_HEIGHT}" viewBox="0 0 ${CARD_WIDTH} ${CARD_HEIGHT}">` +
    '<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">' +
    '<stop offset="0" stop-color="#f7fafc"/><stop offset="0.6" stop-color="#e9f1f7"/>' +
    '<stop offset="1" stop-color="#f5ede3"/></linearGradient>' +
    '<clipPath id="card"><rect width="856" height="540" rx="32"/></clipPath></defs>' +
    '<g clip-path="url(#card)"><rect width="856" height="540" fill="url(#bg)"/>' +
    '<path d="M0 470 C 200 420, 520 540, 856 450 L856 540 L0 540 Z" fill="#dce8f2" opacity="0.6"/></g>' +
    '<rect x="0.5" y="0.5" width="855" height="539" rx="32" fill="none" stroke="#9fb3c4"/>' +
    `${body}</svg>`
  );
}

/**
 * The front as on the real card: name, address, birth date (era and Gregorian), sex, expiry, the photo
 * (or a 写真なし box), the 4-digit security code and the issuing municipality. No individual number.
 */
export function renderFrontSvg(face: CardFaceFront): string {
  const birth = requireDate(face.birthDate, 'birthDate');
  const expiry = requireDate(face.expiry, 'expiry');
  if (!/^\d{4}$/.test(face.securityCode)) throw invalid('securityCode', 'the security code must be 4 digits');

  const parts: string[] = [];
  parts.push(textEl(40, 62, 34, '個人番号カード', { bold: true, fill: '#0b3c68' }));
  parts.push(textEl(290, 62, 15, 'INDIVIDUAL NUMBER CARD', { fill: '#0b3c68' }));

  const labelX = 40;
  const valueX = 118;
  const valueWidth = 470;
  const label = (y: number, text: string) => textEl(labelX, y, 18, text, { fill: '#4a5a68' });

  parts.push(label(128, '氏名'));
  const name = fitLine(oneLine(face.name, 100), 40, 16, valueWidth);
  parts.push(textEl(valueX, 132, name.size, name.text, { bold: true }));

  parts.push(label(190, '住所'));
  const address = fitBlock(oneLine(face.address, 300), 25, 17, valueWidth, 3);
  address.lines.forEach((line, i) => {
    parts.push(textEl(valueX, 192 + i * address.size * 1.35, address.size, line));
  });

  parts.push(label(318, '生年月日'));
  const era = formatJapaneseEraDate(birth) ?? formatGregorianDate(birth)!;
  parts.push(textEl(valueX + 40, 320, 26, `${era}生`));
  parts.push(textEl(valueX + 40, 346, 16, `(${birth})`, { fill: '#4a5a68' }));
  parts.push(textEl(470, 320, 18, '性別', { fill: '#4a5a68' }));
  parts.push(textEl(520, 320, 26, sexLabel(face.sex)));

  parts.push(
    '<rect x="36" y="372" width="420" height="46" rx="6" fill="#ffffff" stroke="#c0392b" stroke-width="2"/>',
  );
  parts.push(textEl(50, 403, 16, '有効期限', { fill: '#c0392b' }));
  parts.push(
    textEl(130, 405, 24, `${formatGregorianDate(expiry)!}まで有効`, { bold: true, fill: '#c0392b' }),
  );

  parts.push(textEl(40, 480, 22, issuerLabel(face.municipality), { bold: true, fill: '#0b3c68' }));

  // Photo window: 35 × 45 mm would not fit; the card uses about 21 × 27 mm.
  const px = 616;
  const py = 96;
  const pw = 210;
  const ph = 270;
  if (face.photo !== undefined && face.photo.length > 0) {
    const mime = photoMime(face.photo);
    if (!mime) throw invalid('photo', 'the photo must be a JPEG or PNG (see preparePhoto)');
    const data = Buffer.from(face.photo.buffer, face.photo.byteOffset, face.photo.byteLength).toString(
      'base64',
    );
    parts.push(
      `<image x="${px}" y="${py}" width="${pw}" height="${ph}" preserveAspectRatio="xMidYMid slice" ` +
        `xlink:href="data:${mime};base64,${data}"/>`,
    );
    parts.push(`<rect x="${px}" y="${py}" width="${pw}" height="${ph}" fill="none" stroke="#9fb3c4"/>`);
  } else {
    parts.push(
      `<rect x="${px}" y="${py}" width="${pw}" height="${ph}" fill="#ffffff" stroke="#9fb3c4" ` +
        'stroke-dasharray="8 6" stroke-width="2"/>',
    );
    parts.push(textEl(px + pw / 2, py + ph / 2, 26, '写真なし', { anchor: 'middle', fill: '#6b7b88' }));
    parts.push(textEl(px + pw / 2, py + ph / 2 + 28, 14, 'NO PHOTO', { anchor: 'middle', fill: '#6b7b88' }));
  }
  parts.push(textEl(px + pw, py + ph + 26, 14, `セキュリティコード ${face.securityCode}`, { anchor: 'end' }));

  return frame(parts.join(''));
}

/** `NNNN NNNN NNNN`, as the card prints the number. */
export function formatIndividualNumber(number: string): string {
  return `${number.slice(0, 4)} ${number.slice(4, 8)} ${number.slice(8)}`;
}

/** The back: the individual number, name, birth date, a QR code and the chip contacts. */
export function renderBackSvg(face: CardFaceBack): string {
  if (!/^\d{12}$/.test(face.number)) throw invalid('number', 'the individual number must be 12 digits');
  const birth = requireDate(face.birthDate, 'birthDate');

  const parts: string[] = [];
  parts.push(textEl(40, 70, 22, '個人番号', { bold: true, fill: '#0b3c68' }));
  parts.push(textEl(150, 70, 14, 'INDIVIDUAL NUMBER', { fill: '#0b3c68' }));
  parts.push('<rect x="36" y="86" width="540" height="80" rx="8" fill="#ffffff" stroke="#9fb3c4"/>');
  parts.push(textEl(306, 146, 52, formatIndividualNumber(face.number), { bold: true, anchor: 'middle' }));

  parts.push(textEl(40, 218, 18, '氏名', { fill: '#4a5a68' }));
  const name = fitLine(oneLine(face.name, 100), 30, 14, 440);
  parts.push(textEl(118, 220, name.size, name.text, { bold: true }));
  parts.push(textEl(40, 268, 18, '生年月日', { fill: '#4a5a68' }));
  const era = formatJapaneseEraDate(birth) ?? formatGregorianDate(birth)!;
  parts.push(textEl(158, 270, 24, `${era}生 (${birth})`));

  // Chip contacts, where the real card carries its IC chip.
  parts.push(
    '<g transform="translate(60 330)"><rect width="120" height="96" rx="14" fill="#d9b45a" stroke="#9c7a2a"/>' +
      '<path d="M0 32 H40 M0 64 H40 M80 32 H120 M80 64 H120 M40 0 V96 M80 0 V96 M40 48 H80" ' +
      'stroke="#9c7a2a" stroke-width="3" fill="none"/></g>',
  );

  parts.push(qrRects(face.qrText, 616, 250, 220));

  return frame(parts.join(''));
}

/**
 * Rasterises a card SVG with resvg, using only the bundled Noto Sans JP (no system fonts, so the output
 * is the same on every machine). `width` in pixels; the default draws 0.1 mm per pixel.
 */
export function svgToPng(svg: string, width = CARD_WIDTH): Uint8Array {
  if (!Number.isInteger(width) || width < 16 || width > 8192)
    throw invalid('width', 'the PNG width must be a whole number of pixels, 16–8192');
  let png: Buffer;
  try {
    png = new Resvg(svg, {
      fitTo: { mode: 'width', value: width },
      font: {
        fontFiles: [FONT_REGULAR_PATH, FONT_BOLD_PATH],
        loadSystemFonts: false,
        defaultFontFamily: FONT_FAMILY,
      },
      logLevel: 'off',
    })
      .render()
      .asPng();
  } catch (cause) {
    throw new AppError('CARD_RENDER_INVALID', 'invalid', 'The SVG could not be rendered', { cause });
  }
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
