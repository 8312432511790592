import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import QRCode from 'qrcode';
import { AppError } from '../../core/index.ts';
import { qrMatrix, qrRuns } from './qr.ts';

describe('qrMatrix', () => {
  it('is the level-M symbol qrcode builds for the text', () => {
    const text = 'https://myna.example.jp/apply?id=12345678901234567890123';
    const m = qrMatrix(text);
    const ref = QRCode.create(text, { errorCorrectionLevel: 'M' });
    assert.equal(ref.errorCorrectionLevel.bit, 0, 'M is bit 0 in qrcode');
    assert.ok(m.size > 0 && m.size === ref.modules.size, `size ${m.size}`);
    for (let r = 0; r < m.size; r++)
      for (let c = 0; c < m.size; c++) assert.equal(m.isDark(r, c), ref.modules.get(r, c) === 1);
    // Finder pattern corner is dark; the separator next to it is light.
    assert.equal(m.isDark(0, 0), true);
    assert.equal(m.isDark(7, 7), false);
  });

  it('rejects empty or oversized text with CARD_RENDER_INVALID', () => {
    for (const text of ['', 'x'.repeat(4000)]) {
      assert.throws(
        () => qrMatrix(text),
        (e: unknown) => e instanceof AppError && e.code === 'CARD_RENDER_INVALID',
      );
    }
  });
});

describe('qrRuns', () => {
  it('covers exactly the dark modules (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (text) => {
        const m = qrMatrix(text);
        const covered = new Set<string>();
        for (const run of qrRuns(m)) {
          if (run.length < 1) return false;
          for (let i = 0; i < run.length; i++) {
            if (!m.isDark(run.row, run.col + i)) return false;
            covered.add(`${run.row},${run.col + i}`);
          }
        }
        let dark = 0;
        for (let r = 0; r < m.size; r++) for (let c = 0; c < m.size; c++) if (m.isDark(r, c)) dark++;
        return covered.size === dark;
      }),
      { numRuns: 50 },
    );
  });
});
