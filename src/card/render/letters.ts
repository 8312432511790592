import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import { AppError } from '../../core/index.ts';
import { formatGregorianDate, formatJapaneseEraDate, parseIsoDate } from './era.ts';
import { fontBytes } from './fonts.ts';
import { qrMatrix, qrRuns } from './qr.ts';
import { oneLine } from './text.ts';

/** What one posted letter (交付申請書 兼 通知書) shows. It never carries the individual number. */
export interface NoticeLetter {
  applicationId: string;
  /** Full URL the QR code opens, e.g. `https://host/apply?id=…`. */
  applyUrl: string;
  name: string;
  nameKana?: string;
  address: string;
  postalCode?: string;
  municipality: string;
  /** YYYY-MM-DD */
  birthDate: string;
  /** YYYY-MM-DD */
  issuedOn: string;
}

const REGULAR = 'jp';
const BOLD = 'jp-bold';
const A4_WIDTH = 595.28;
const MARGIN = 56;
const CONTENT_WIDTH = A4_WIDTH - 2 * MARGIN;

function invalid(at: string, message: string): AppError {
  return new AppError('CARD_RENDER_INVALID', 'invalid', `Letter cannot be printed: ${message}`, {
    details: [{ at, code: 'CARD_RENDER_INVALID', message }],
  });
}

function checkLetter(letter: NoticeLetter): URL {
  if (oneLine(letter.applicationId) === '' || letter.applicationId.length > 64)
    throw invalid('applicationId', 'the application ID must be 1–64 characters');
  if (oneLine(letter.name) === '') throw invalid('name', 'the name is empty');
  for (const field of ['birthDate', 'issuedOn'] as const) {
    if (!parseIsoDate(letter[field])) throw invalid(field, `${field} must be a real date as YYYY-MM-DD`);
  }
  let url: URL;
  try {
    url = new URL(letter.applyUrl);
  } catch {
    throw invalid('applyUrl', 'the apply URL is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalid('applyUrl', 'the apply URL must be http or https');
  return url;
}

/**
 * Groups an application ID for reading aloud and typing: a plain alphanumeric ID goes in blocks of four,
 * an ID that already has separators (a UUID) is printed as it is, since the apply page expects that form.
 */
export function groupApplicationId(id: string): string {
  const clean = oneLine(id, 64);
  if (!/^[0-9A-Za-z]+$/.test(clean)) return clean;
  return clean.match(/.{1,4}/g)!.join(' ');
}

function formatPostalCode(code: string): string {
  const clean = oneLine(code, 20);
  return /^\d{7}$/.test(clean) ? `${clean.slice(0, 3)}-${clean.slice(3)}` : clean;
}

function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const matrix = qrMatrix(text);
  const quiet = 4;
  const m = size / (matrix.size + 2 * quiet);
  for (const run of qrRuns(matrix)) {
    doc.rect(x + (run.col + quiet) * m, y + (run.row + quiet) * m, run.length * m, m);
  }
  doc.fillColor('#000000').fill();
}

type TextOptions = PDFKit.Mixins.TextOptions;

function text(
  doc: PDFKit.PDFDocument,
  font: string,
  size: number,
  value: string,
  x: number,
  y: number,
  options: TextOptions & { width: number; height: number },
): void {
  // A fixed height (with ellipsis) stops pdfkit from spilling long input onto a new page.
  doc
    .font(font)
    .fontSize(size)
    .fillColor('#000000')
    .text(value, x, y, { ellipsis: true, lineGap: 1, ...options });
}

function drawLetter(doc: PDFKit.PDFDocument, letter: NoticeLetter, url: URL): void {
  const municipality = oneLine(letter.municipality, 60);
  const name = oneLine(letter.name, 80);
  const address = oneLine(letter.address, 200);
  const issued = formatGregorianDate(letter.issuedOn)!;
  const birth = `${formatJapaneseEraDate(letter.birthDate) ?? ''}（${letter.birthDate}）`;
  const id = groupApplicationId(letter.applicationId);
  const applyAt = `${url.origin}${url.pathname}`;

  // Sender line and date.
  text(doc, REGULAR, 9, municipality, MARGIN, 40, { width: 280, height: 14, lineBreak: false });
  text(doc, REGULAR, 9, `発行日 ${issued} / Issued ${letter.issuedOn}`, 300, 40, {
    width: A4_WIDTH - MARGIN - 300,
    height: 14,
    align: 'right',
    lineBreak: false,
  });

  // Addressee block, placed for a window envelope.
  const ax = 70;
  if (letter.postalCode !== undefined && oneLine(letter.postalCode) !== '')
    text(doc, REGULAR, 11, `〒${formatPostalCode(letter.postalCode)}`, ax, 92, { width: 300, height: 16 });
  text(doc, REGULAR, 11, address, ax, 110, { width: 300, height: 46 });
  if (letter.nameKana !== undefined && oneLine(letter.nameKana) !== '')
    text(doc, REGULAR, 8, oneLine(letter.nameKana, 80), ax, 160, {
      width: 300,
      height: 12,
      lineBreak: false,
    });
  text(doc, BOLD, 16, `${name} 様`, ax, 173, { width: 320, height: 24, lineBreak: false });

  doc
    .moveTo(MARGIN, 222)
    .lineTo(A4_WIDTH - MARGIN, 222)
    .lineWidth(0.5)
    .strokeColor('#888888')
    .stroke();

  text(doc, BOLD, 17, '個人番号カード交付申請書 兼 通知書', MARGIN, 240, {
    width: CONTENT_WIDTH,
    height: 26,
    align: 'center',
  });
  text(doc, REGULAR, 11, 'My Number Card application notice', MARGIN, 266, {
    width: CONTENT_WIDTH,
    height: 16,
    align: 'center',
  });

  // Explanation on the left, QR code on the right.
  const bodyWidth = 320;
  text(
    doc,
    REGULAR,
    10.5,
    `${name} 様の個人番号カード（マイナンバーカード）の交付申請書です。スマートフォンで右のQRコードを読み取るか、` +
      '下記の申請サイトで申請書IDを入力して、オンラインで申請してください。申請には顔写真（縦45mm×横35mm）が必要です。',
    MARGIN,
    305,
    { width: bodyWidth, height: 90 },
  );
  text(
    doc,
    REGULAR,
    9.5,
    'This is your application for a My Number Card. Scan the QR code on the right with a smartphone, ' +
      'or open the site below and enter your application ID, to apply online. You will need a face photo ' +
      '(45 mm high, 35 mm wide).',
    MARGIN,
    398,
    { width: bodyWidth, height: 60 },
  );
  const qrSize = 130;
  const qrX = A4_WIDTH - MARGIN - qrSize;
  drawQr(doc, letter.applyUrl, qrX, 300, qrSize);
  text(doc, REGULAR, 8, 'スマートフォンで読み取り / Scan to apply', qrX - 20, 300 + qrSize + 2, {
    width: qrSize + 40,
    height: 12,
    align: 'center',
    lineBreak: false,
  });

  // Application ID box.
  doc.rect(MARGIN, 470, CONTENT_WIDTH, 70).lineWidth(1).strokeColor('#000000').stroke();
  text(doc, REGULAR, 9, '申請書ID / Application ID', MARGIN + 12, 478, { width: 300, height: 14 });
  text(doc, BOLD, 18, id, MARGIN + 12, 493, { width: CONTENT_WIDTH - 24, height: 26, lineBreak: false });
  text(doc, REGULAR, 9, `申請サイト / Apply at: ${oneLine(applyAt, 120)}`, MARGIN + 12, 521, {
    width: CONTENT_WIDTH - 24,
    height: 14,
    lineBreak: false,
  });

  // The resident's own details, to check before applying.
  const rows: [string, string][] = [
    ['氏名 / Name', name],
    ['生年月日 / Date of birth', birth],
    ['住所 / Address', address],
  ];
  let y = 560;
  for (const [label, value] of rows) {
    text(doc, REGULAR, 9, label, MARGIN, y + 1, { width: 130, height: 14, lineBreak: false });
    text(doc, REGULAR, 10.5, value, MARGIN + 135, y, { width: CONTENT_WIDTH - 135, height: 30 });
    y += 32;
  }

  const notes = [
    'この通知書には個人番号（マイナンバー）は記載されていません。 This notice does not show your individual number.',
    '申請書IDとQRコードはあなた専用です。他人に渡さないでください。 The ID and QR code are yours alone; do not share them.',
    '写真は6か月以内に撮影した、正面・無帽・無背景のものを使ってください。 Use a recent front-facing photo on a plain background.',
  ];
  y = 670;
  for (const note of notes) {
    text(doc, REGULAR, 8.5, `・${note}`, MARGIN, y, { width: CONTENT_WIDTH, height: 26 });
    y = Math.min(doc.y, y + 26) + 5;
  }

  text(doc, REGULAR, 10, `発行者 / Issued by: ${municipality}`, MARGIN, 775, {
    width: CONTENT_WIDTH,
    height: 16,
    align: 'right',
    lineBreak: false,
  });
}

/** How many pages may share one font-layout cache before it is emptied. */
const CACHE_PAGES = 500;
/** How often a long batch lets other work on the event loop run. */
const YIELD_PAGES = 20;

/**
 * pdfkit caches the layout of every distinct string per font and never evicts, so a name and an address
 * per page would grow the cache without bound over 100k letters. Without the cache, pdfkit measures
 * Japanese text glyph by glyph through fontkit and gets about five times slower, so the cache stays on
 * and is emptied now and then. `_fontFamilies` and `layoutCache` are pdfkit internals (0.17); if they
 * move, this does nothing and only memory suffers.
 */
function forgetLayouts(doc: PDFKit.PDFDocument): void {
  const families = (doc as unknown as { _fontFamilies?: Record<string, { layoutCache?: unknown }> })
    ._fontFamilies;
  for (const font of Object.values(families ?? {})) {
    if (font.layoutCache !== undefined) font.layoutCache = Object.create(null);
  }
}

/** Waits for `drain`, failing instead of hanging if the stream errors or closes first. */
function drained(out: NodeJS.WritableStream, failure: () => unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: unknown) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = () => done();
    const onError = (error: unknown) => done(error);
    const onClose = () => done(failure() ?? new Error('The output stream closed before the PDF was written'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
    const early = failure();
    if (early !== undefined) done(early);
  });
}

/**
 * Renders one A4 page per resident into a single PDF streamed to `out`, which is ended when done.
 * Each page is flushed as soon as it is drawn and the renderer waits whenever `out` pushes back,
 * so memory stays flat however many letters there are. On failure `out` is left open, holding a
 * partial PDF: the caller should destroy it.
 */
export async function renderLetters(
  letters: AsyncIterable<NoticeLetter> | Iterable<NoticeLetter>,
  out: NodeJS.WritableStream,
  onProgress?: (done: number) => void,
): Promise<{ pages: number }> {
  const fonts = fontBytes();
  const doc = new PDFDocument({
    size: 'A4',
    autoFirstPage: false,
    margin: 0,
    // Kept on for speed (Japanese wraps glyph by glyph); trimmed every CACHE_PAGES pages, see forgetLayouts.
    fontLayoutCache: true,
    info: { Title: '個人番号カード交付申請書 兼 通知書', Producer: 'Myna', Creator: 'Myna' },
  });
  doc.registerFont(REGULAR, fonts.regular);
  doc.registerFont(BOLD, fonts.bold);

  let outError: unknown;
  const onOutError = (error: unknown) => {
    outError ??= error;
  };
  out.on('error', onOutError);

  // Pull what pdfkit produced and hand it on. Reading explicitly (not through 'data' events, which wait
  // for the event loop) keeps nothing buffered in the document between pages.
  const forward = (): boolean => {
    let ok = true;
    for (let chunk = doc.read() as Buffer | null; chunk !== null; chunk = doc.read() as Buffer | null) {
      ok = out.write(chunk) && ok;
    }
    return ok;
  };

  try {
    let pages = 0;
    for await (const letter of letters) {
      if (outError !== undefined) throw outError;
      const url = checkLetter(letter);
      doc.addPage();
      drawLetter(doc, letter, url);
      doc.flushPages();
      pages++;
      if (pages % CACHE_PAGES === 0) forgetLayouts(doc);
      const ok = forward();
      onProgress?.(pages);
      if (!ok) await drained(out, () => outError);
      // A synchronous source would otherwise hold the event loop for the whole batch.
      else if (pages % YIELD_PAGES === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // pdfkit finishes synchronously today; listening for 'end' also covers any tail written later.
    const ended = once(doc, 'end');
    doc.end();
    forward();
    doc.on('data', (chunk: Buffer) => out.write(chunk));
    await ended;
    if (outError !== undefined) throw outError;
    out.end();
    await finished(out);
    return { pages };
  } finally {
    out.off('error', onOutError);
  }
}
