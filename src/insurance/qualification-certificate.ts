import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { qrMatrix, qrRuns } from '../card/index.ts';
import { AppError } from '../core/index.ts';
import type { KeyRing } from '../keys/index.ts';

/**
 * 資格確認書 (qualification certificate): what an insurer gives a person who has no My
 * Number card, so that nobody loses access to insurance for not having one. The printed
 * certificate carries a QR code whose payload is a compact JWS (HS256, under the key
 * ring's 'insurance-certificate' key) naming the insurer number, 記号, 番号, 枝番 and the
 * birth date — query mode 2 of the online check (被保険者証情報). It never carries the
 * individual number or the resident id. A clinic posts the payload back to Myna, which
 * checks the signature and the expiry and answers as it does for a card.
 */

/** The claims a certificate's QR code carries (short names keep the QR code small). */
export interface CertificateClaims {
  /** Format version. */
  readonly v: 1;
  /** 保険者番号: 6 (国保) or 8 digits. */
  readonly ins: string;
  /** 記号 (may be empty for insurers that use none). */
  readonly sym: string;
  /** 番号 */
  readonly num: string;
  /** 枝番: 2 digits. */
  readonly br: string;
  /** Birth date, YYYY-MM-DD. */
  readonly bd: string;
  /** Issued at / expires at, seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
  /** A random id of this certificate. */
  readonly jti: string;
}

/** A 資格確認書 runs for at most five years (DOMAIN.md §2.2). */
export const CERTIFICATE_MAX_YEARS = 5;
/** The longest payload accepted; a real one is about 300 characters. */
export const MAX_TOKEN_LENGTH = 1024;

const HEADER = { alg: 'HS256', typ: 'myna-qc+jws' } as const;
const HEADER_B64 = Buffer.from(JSON.stringify(HEADER)).toString('base64url');
const B64URL = /^[A-Za-z0-9_-]+$/;
const INSURER_NUMBER = /^(\d{6}|\d{8})$/;
const SYMBOL = /^[^\p{Cc}\p{Cs}]{0,20}$/u;
const INSURED_NUMBER = /^[^\p{Cc}\p{Cs}]{1,20}$/u;
const BRANCH = /^\d{2}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const JTI = /^[A-Za-z0-9_-]{16,43}$/;

const malformed = (message: string) =>
  new AppError(
    'INSURANCE_CERTIFICATE_MALFORMED',
    'invalid',
    `The QR payload is not a Myna qualification certificate: ${message}`,
  );

export function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** The QR payloads' HMAC key: derived for this one use from the ring's insurance key. */
export function qrKey(keys: KeyRing): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      keys.derive('insurance-certificate'),
      Buffer.from('myna-insurance'),
      Buffer.from('qualification-certificate-qr'),
      32,
    ),
  );
}

function mac(key: Uint8Array, signingInput: string): Buffer {
  return createHmac('sha256', key).update(signingInput).digest();
}

/** Checks what a certificate names; throws INSURANCE_CERTIFICATE_MALFORMED with the field. */
function checkClaims(value: unknown): CertificateClaims {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('no claims');
  const c = value as Record<string, unknown>;
  const keys = Object.keys(c).sort().join(',');
  if (keys !== 'bd,br,exp,iat,ins,jti,num,sym,v') throw malformed('unexpected claims');
  if (c['v'] !== 1) throw malformed('unknown version');
  const str = (k: string, re: RegExp) => {
    const v = c[k];
    if (typeof v !== 'string' || !re.test(v)) throw malformed(`bad ${k}`);
    return v;
  };
  const int = (k: string) => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw malformed(`bad ${k}`);
    return v;
  };
  const bd = str('bd', DATE);
  if (!isCalendarDate(bd)) throw malformed('bad bd');
  const claims: CertificateClaims = {
    v: 1,
    ins: str('ins', INSURER_NUMBER),
    sym: str('sym', SYMBOL),
    num: str('num', INSURED_NUMBER),
    br: str('br', BRANCH),
    bd,
    iat: int('iat'),
    exp: int('exp'),
    jti: str('jti', JTI),
  };
  if (claims.exp <= claims.iat) throw malformed('exp before iat');
  return claims;
}

/** Signs the claims as a compact JWS (HS256). */
export function signCertificateToken(key: Uint8Array, claims: Omit<CertificateClaims, 'v' | 'jti'>): string {
  const full = checkClaims({ v: 1, ...claims, jti: randomBytes(16).toString('base64url') });
  const payload = Buffer.from(JSON.stringify(full)).toString('base64url');
  const input = `${HEADER_B64}.${payload}`;
  return `${input}.${mac(key, input).toString('base64url')}`;
}

/**
 * Reads a QR payload: its form, then its signature (before anything inside is believed),
 * then its claims and expiry. Any string gives either the claims or an AppError with one
 * of INSURANCE_CERTIFICATE_MALFORMED, _SIGNATURE_INVALID or _EXPIRED (all 'invalid').
 */
export function verifyCertificateToken(key: Uint8Array, token: string, now: Date): CertificateClaims {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH)
    throw malformed(`the payload is 1–${MAX_TOKEN_LENGTH} characters`);
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p)))
    throw malformed('expected three base64url parts separated by dots');
  const [header, payload, signature] = parts as [string, string, string];
  if (header !== HEADER_B64) throw malformed('unknown header (only HS256 myna-qc+jws)');
  const expected = mac(key, `${header}.${payload}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new AppError(
      'INSURANCE_CERTIFICATE_SIGNATURE_INVALID',
      'invalid',
      'The QR payload is not signed by Myna: the certificate is forged or altered.',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw malformed('the claims are not JSON');
  }
  const claims = checkClaims(parsed);
  if (claims.exp * 1000 <= now.getTime())
    throw new AppError(
      'INSURANCE_CERTIFICATE_EXPIRED',
      'invalid',
      'The qualification certificate has expired; the insurer issues a new one.',
    );
  if (claims.iat * 1000 > now.getTime() + 300_000) throw malformed('issued in the future');
  return claims;
}

/** What the printed certificate shows. */
export interface CertificateSheet {
  readonly insurerNumber: string;
  readonly insurerName: string;
  readonly symbol: string;
  readonly number: string;
  readonly branch: string;
  readonly name: string;
  readonly kana: string | null;
  /** YYYY-MM-DD */
  readonly birthDate: string;
  readonly sex: string;
  readonly relation: 'self' | 'dependant';
  readonly insuredPersonRelation: string | null;
  readonly copayRatio: number;
  readonly qualificationDate: string;
  /** YYYY-MM-DD, the day the certificate is issued and its last valid day. */
  readonly issuedOn: string;
  readonly validUntil: string;
  /** The QR payload (the signed token). */
  readonly qr: string;
}

const require = createRequire(import.meta.url);
let fonts: Buffer | undefined;
/** Noto Sans JP (OFL) from its npm package, read once per process (the card letters use the same). */
function font(): Buffer {
  fonts ??= readFileSync(
    require.resolve('@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf'),
  );
  return fonts;
}

const A4_WIDTH = 595.28;
const MARGIN = 56;
const oneLine = (s: string, max = 120): string => {
  const clean = s.replace(/[\p{Cc}\u2028\u2029]/gu, ' ').trim();
  const chars = Array.from(clean);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : clean;
};
const SEX_JA: Record<string, string> = { male: '男', female: '女', unspecified: '—' };

/** Draws the QR code as runs of dark modules (level M, 4-module quiet zone). */
function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const matrix = qrMatrix(text);
  const quiet = 4;
  const m = size / (matrix.size + 2 * quiet);
  for (const run of qrRuns(matrix))
    doc.rect(x + (run.col + quiet) * m, y + (run.row + quiet) * m, run.length * m, m);
  doc.fillColor('#000000').fill();
}

/** The certificate as a one-page A4 PDF (embedded Noto Sans JP subset). */
export async function renderCertificatePdf(sheet: CertificateSheet): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    info: { Title: '資格確認書 / Qualification certificate', Producer: 'Myna', Creator: 'Myna' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  doc.registerFont('jp', font());
  doc.font('jp').fillColor('#000000');
  const width = A4_WIDTH - 2 * MARGIN;
  doc.fontSize(20).text('資格確認書', MARGIN, 56, { width, align: 'center' });
  doc.fontSize(10).text('Health insurance qualification certificate', MARGIN, 84, { width, align: 'center' });
  const rows: [string, string][] = [
    ['保険者番号 / Insurer number', sheet.insurerNumber],
    ['保険者名称 / Insurer', oneLine(sheet.insurerName, 60)],
    [
      '記号・番号（枝番） / Symbol · number (branch)',
      `${oneLine(sheet.symbol, 20)} ・ ${oneLine(sheet.number, 20)}（${sheet.branch}）`,
    ],
    ['氏名 / Name', oneLine(sheet.name, 60)],
    ['フリガナ / Reading', oneLine(sheet.kana ?? '', 60)],
    ['生年月日 / Date of birth', sheet.birthDate],
    ['性別 / Sex', `${SEX_JA[sheet.sex] ?? '—'} / ${sheet.sex}`],
    [
      '本人・家族 / Insured or dependant',
      sheet.relation === 'self'
        ? '本人 / insured person'
        : `家族 / dependant${sheet.insuredPersonRelation ? `（${oneLine(sheet.insuredPersonRelation, 20)}）` : ''}`,
    ],
    ['一部負担金割合 / Co-payment', `${sheet.copayRatio / 10}割（${sheet.copayRatio} %）`],
    ['資格取得年月日 / Qualified since', sheet.qualificationDate],
    ['交付年月日 / Issued on', sheet.issuedOn],
    ['有効期限 / Valid until', sheet.validUntil],
  ];
  let y = 120;
  for (const [label, value] of rows) {
    doc.fontSize(8.5).text(label, MARGIN, y + 2, { width: 210, lineBreak: false });
    doc.fontSize(11).text(value, MARGIN + 215, y, { width: width - 215, lineBreak: false, ellipsis: true });
    doc
      .moveTo(MARGIN, y + 18)
      .lineTo(A4_WIDTH - MARGIN, y + 18)
      .lineWidth(0.3)
      .strokeColor('#999999')
      .stroke();
    y += 24;
  }
  const qrSize = 170;
  drawQr(doc, sheet.qr, (A4_WIDTH - qrSize) / 2, y + 16, qrSize);
  y += qrSize + 24;
  doc
    .fillColor('#000000')
    .fontSize(8.5)
    .text(
      '医療機関・薬局の窓口で提示してください。受付はQRコードを読み取ってオンラインで資格を確認します。' +
        'この確認書には個人番号（マイナンバー）は記載されていません。',
      MARGIN,
      y,
      { width },
    );
  doc
    .fontSize(8)
    .text(
      'Show this at the reception of a clinic or pharmacy; they scan the QR code to confirm your insurance online. ' +
        'It does not show your individual number. You keep full access to insurance without a My Number card.',
      MARGIN,
      doc.y + 6,
      { width },
    );
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
