import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { AppError } from '../../core/index.ts';
import { groupApplicationId, type NoticeLetter, renderLetters } from './letters.ts';
import { qrMatrix } from './qr.ts';

function letter(i: number, overrides: Partial<NoticeLetter> = {}): NoticeLetter {
  const id = `${10n ** 22n + BigInt(i * 7919)}`;
  return {
    applicationId: id,
    applyUrl: `https://myna.example.jp/apply?id=${id}`,
    name: `渡邊 花子${i}`,
    nameKana: 'ワタナベ ハナコ',
    address: `東京都千代田区千代田1丁目${i + 1}番 メゾン&<ロイヤル> "A" 101`,
    postalCode: '1000001',
    municipality: '千代田区',
    birthDate: '1985-01-02',
    issuedOn: '2025-04-01',
    ...overrides,
  };
}

class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    done();
  }
  get buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

async function render(letters: Iterable<NoticeLetter> | AsyncIterable<NoticeLetter>) {
  const sink = new Sink();
  const progress: number[] = [];
  const result = await renderLetters(letters, sink, (done) => progress.push(done));
  return { pdf: sink.buffer, result, progress, sink };
}

/** Inflates every Flate stream in the PDF and keeps the page content streams (the ones that draw text). */
function contentStreams(pdf: Buffer): string[] {
  const text = pdf.toString('latin1');
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const start = text.indexOf('\nstream\n', at);
    if (start < 0) break;
    const end = text.indexOf('\nendstream', start);
    if (end < 0) break;
    at = end + 1;
    try {
      const body = inflateSync(pdf.subarray(start + '\nstream\n'.length, end)).toString('latin1');
      if (body.includes('BT') && body.includes(' re')) out.push(body);
    } catch {
      // not deflated (or not ours): skip
    }
  }
  return out;
}

/** Rebuilds the QR module grid from the rectangles drawn right of the text column. */
function qrFromContent(content: string): Set<string> {
  const rects = [...content.matchAll(/(-?[\d.]+) (-?[\d.]+) ([\d.]+) ([\d.]+) re/g)]
    .map((m) => m.slice(1, 5).map(Number) as [number, number, number, number])
    .filter(([x]) => x > 350);
  const m = Math.min(...rects.map((r) => r[3]));
  const x0 = Math.min(...rects.map((r) => r[0]));
  const y0 = Math.min(...rects.map((r) => r[1]));
  const cells = new Set<string>();
  for (const [x, y, w] of rects) {
    const row = Math.round((y - y0) / m);
    const col = Math.round((x - x0) / m);
    for (let c = 0; c < Math.round(w / m); c++) cells.add(`${row},${col + c}`);
  }
  return cells;
}

function expectedCells(text: string): Set<string> {
  const matrix = qrMatrix(text);
  const cells = new Set<string>();
  for (let r = 0; r < matrix.size; r++)
    for (let c = 0; c < matrix.size; c++) if (matrix.isDark(r, c)) cells.add(`${r},${c}`);
  return cells;
}

function pageCount(pdf: Buffer): number {
  return pdf.toString('latin1').match(/\/Type \/Page(?![s\w])/g)?.length ?? 0;
}

const hasPdftotext = !spawnSync('pdftotext', ['-v']).error;

describe('renderLetters', () => {
  it('writes one A4 page per letter with the Japanese font embedded', async () => {
    const letters = [0, 1, 2].map((i) => letter(i));
    const { pdf, result, progress } = await render(letters);
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.match(pdf.subarray(-8).toString(), /%%EOF\s*$/);
    assert.deepEqual(result, { pages: 3 });
    assert.equal(pageCount(pdf), 3);
    assert.deepEqual(progress, [1, 2, 3]);
    assert.match(pdf.toString('latin1'), /\/MediaBox \[0 0 595\.28 841\.89\]/);
    assert.match(pdf.toString('latin1'), /\/FontName \/[A-Z]{6}\+NotoSansJP-Regular/);
    assert.match(pdf.toString('latin1'), /\/FontName \/[A-Z]{6}\+NotoSansJP-Bold/);
  });

  it('draws on each page a QR code of that letter’s apply URL', async () => {
    const letters = [0, 1, 2].map((i) => letter(i));
    const { pdf } = await render(letters);
    const contents = contentStreams(pdf);
    assert.equal(contents.length, 3);
    for (const [i, content] of contents.entries()) {
      assert.deepEqual(qrFromContent(content), expectedCells(letters[i]!.applyUrl), `page ${i + 1}`);
    }
    assert.notDeepEqual(qrFromContent(contents[0]!), qrFromContent(contents[1]!));
  });

  it('prints name, address and grouped application ID as extractable text', async (t) => {
    if (!hasPdftotext) {
      assert.ok(!process.env['CI'], 'CI must provide pdftotext (apt-get install poppler-utils)');
      t.diagnostic('pdftotext not installed: text extraction not checked');
      return;
    }
    const letters = [letter(0), letter(1, { applicationId: '0190f5c2-7a1b-7c3d-9e4f-0123456789ab' })];
    const { pdf } = await render(letters);
    const run = spawnSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf });
    assert.equal(run.status, 0, run.stderr.toString());
    const pages = run.stdout.toString('utf8').split('\f');
    for (const [i, l] of letters.entries()) {
      const page = pages[i]!;
      assert.ok(page.includes(`${l.name} 様`), `page ${i + 1} has the name`);
      assert.ok(page.includes(groupApplicationId(l.applicationId)), `page ${i + 1} has the ID`);
      for (const expected of [
        '〒100-0001',
        'メゾン&<ロイヤル> "A" 101',
        '昭和60年1月2日',
        '千代田区',
        '個人番号カード交付申請書 兼 通知書',
        'https://myna.example.jp/apply',
      ])
        assert.ok(page.includes(expected), `page ${i + 1} shows ${expected}`);
    }
    assert.ok(pages[0]!.includes('1000 0000 0000 0000 0000 000'), 'digits grouped in fours');
    assert.ok(pages[1]!.includes('0190f5c2-7a1b-7c3d-9e4f-0123456789ab'), 'UUID printed as it is');
  });

  it('keeps one page per letter however long the fields are', async () => {
    const long = letter(0, {
      address: '東京都'.repeat(400),
      name: '長'.repeat(300),
      municipality: '市'.repeat(300),
    });
    const { pdf, result } = await render([long, letter(1)]);
    assert.equal(result.pages, 2);
    assert.equal(pageCount(pdf), 2);
  });

  it('accepts an async source and streams page by page', async () => {
    const sink = new Sink();
    const seen: number[] = [];
    async function* source() {
      for (let i = 0; i < 5; i++) yield letter(i);
    }
    await renderLetters(source(), sink, () => seen.push(sink.bytes));
    assert.equal(seen.length, 5);
    assert.ok(seen[0]! > 1000, 'the first page reached the output before the second was drawn');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, 'each page adds bytes');
    assert.ok(sink.writableFinished, 'the output is ended');
  });

  it('waits for a slow output instead of buffering the whole batch', async () => {
    let peak = 0;
    const slow = new Writable({
      highWaterMark: 4096,
      write(_chunk, _enc, done) {
        setTimeout(done, 1);
      },
    });
    const { pages } = await renderLetters(
      Array.from({ length: 60 }, (_, i) => letter(i)),
      slow,
      () => {
        peak = Math.max(peak, slow.writableLength);
      },
    );
    assert.equal(pages, 60);
    // One page is a few KB; without waiting for 'drain', 60 pages would pile up (~200 KB).
    assert.ok(peak < 32 * 1024, `peak buffered ${peak} bytes`);
  });

  it('rejects instead of hanging when the output fails', async () => {
    const broken = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, done) {
        done(new Error('disk full'));
      },
    });
    broken.on('error', () => {});
    await assert.rejects(
      renderLetters(
        Array.from({ length: 20 }, (_, i) => letter(i)),
        broken,
      ),
      /disk full/,
    );
  });

  it('renders an empty batch as a PDF with no pages', async () => {
    const { pdf, result } = await render([]);
    assert.equal(result.pages, 0);
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  });

  it('rejects malformed letters with CARD_RENDER_INVALID naming the field', async () => {
    const cases: [Partial<NoticeLetter>, string][] = [
      [{ birthDate: '1985-02-30' }, 'birthDate'],
      [{ issuedOn: '2025/04/01' }, 'issuedOn'],
      [{ applyUrl: 'javascript:alert(1)' }, 'applyUrl'],
      [{ applyUrl: 'not a url' }, 'applyUrl'],
      [{ applicationId: ' ' }, 'applicationId'],
      [{ name: '' }, 'name'],
    ];
    for (const [bad, field] of cases) {
      await assert.rejects(render([letter(0), letter(1, bad)]), (error: unknown) => {
        assert.ok(error instanceof AppError, String(error));
        assert.equal(error.code, 'CARD_RENDER_INVALID');
        assert.equal(error.kind, 'invalid');
        assert.equal(error.details[0]?.at, field);
        return true;
      });
    }
  });
});

describe('groupApplicationId', () => {
  it('groups a digit string in fours and leaves an ID with separators alone', () => {
    assert.equal(groupApplicationId('12345678901234567890123'), '1234 5678 9012 3456 7890 123');
    assert.equal(groupApplicationId('1234'), '1234');
    assert.equal(
      groupApplicationId('0190f5c2-7a1b-7c3d-9e4f-0123456789ab'),
      '0190f5c2-7a1b-7c3d-9e4f-0123456789ab',
    );
  });
});
