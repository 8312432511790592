import QRCode from 'qrcode';
import { AppError } from '../../core/index.ts';

/** A QR symbol as a square grid of modules, without the quiet zone. */
export interface QrMatrix {
  readonly size: number;
  isDark(row: number, col: number): boolean;
}

/** A horizontal run of dark modules: drawing runs instead of single modules keeps PDFs and SVGs small. */
export interface QrRun {
  readonly row: number;
  readonly col: number;
  readonly length: number;
}

/**
 * Encodes text (UTF-8, byte mode) at error-correction level M, the level the letters and the card back use:
 * it survives a crease or a scratch (15 %) without making the symbol much denser.
 */
export function qrMatrix(text: string): QrMatrix {
  if (text.length === 0)
    throw new AppError('CARD_RENDER_INVALID', 'invalid', 'A QR code needs some text to encode');
  let modules: QRCode.BitMatrix;
  try {
    modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
  } catch (cause) {
    throw new AppError('CARD_RENDER_INVALID', 'invalid', 'The text is too long for a QR code', { cause });
  }
  const { size, data } = modules;
  return { size, isDark: (row, col) => data[row * size + col] === 1 };
}

export function qrRuns(matrix: QrMatrix): QrRun[] {
  const runs: QrRun[] = [];
  for (let row = 0; row < matrix.size; row++) {
    let col = 0;
    while (col < matrix.size) {
      if (!matrix.isDark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < matrix.size && matrix.isDark(row, col)) col++;
      runs.push({ row, col: start, length: col - start });
    }
  }
  return runs;
}
