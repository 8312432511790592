import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Resvg } from '@resvg/resvg-js';
import fc from 'fast-check';
import sharp from 'sharp';
import { AppError } from '../../core/index.ts';
import {
  type CardFaceBack,
  type CardFaceFront,
  formatIndividualNumber,
  renderBackSvg,
  renderFrontSvg,
  svgToPng,
} from './card-face.ts';
import { qrMatrix } from './qr.ts';
import { nastyString } from './text.test-util.ts';
import { escapeXml } from './text.ts';

const NUMBER = '621498320257';

function front(overrides: Partial<CardFaceFront> = {}): CardFaceFront {
  return {
    name: '渡邊 花子',
    address: '東京都千代田区千代田1丁目1番1号',
    birthDate: '1985-01-02',
    sex: 'female',
    expiry: '2035-01-02',
    securityCode: '4821',
    municipality: '千代田区',
    ...overrides,
  };
}

function back(overrides: Partial<CardFaceBack> = {}): CardFaceBack {
  return { number: NUMBER, name: '渡邊 花子', birthDate: '1985-01-02', qrText: NUMBER, ...overrides };
}

/** Parses the SVG as XML (resvg's parser) without loading fonts: throws on anything malformed. */
function parseSvg(svg: string): void {
  new Resvg(svg, { font: { loadSystemFonts: false }, fitTo: { mode: 'width', value: 16 } });
}

function pngSize(png: Uint8Array): { width: number; height: number } {
  const b = Buffer.from(png);
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(b.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function invalidCode(fn: () => unknown, at?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AppError, String(e));
    assert.equal(e.code, 'CARD_RENDER_INVALID');
    assert.equal(e.kind, 'invalid');
    if (at !== undefined) assert.equal(e.details[0]?.at, at);
    return true;
  });
}

describe('renderFrontSvg', () => {
  it('prints the card facts in Japanese form', () => {
    const svg = renderFrontSvg(front());
    parseSvg(svg);
    for (const expected of [
      '個人番号カード',
      '氏名',
      '渡邊 花子',
      '住所',
      '東京都千代田区千代田1丁目1番1号',
      '昭和60年1月2日生',
      '(1985-01-02)',
      '性別',
      '>女<',
      '2035年1月2日まで有効',
      '4821',
      '千代田区長',
      '写真なし',
    ])
      assert.ok(svg.includes(expected), `front shows ${expected}`);
    assert.ok(renderFrontSvg(front({ sex: 'male' })).includes('>男<'), 'male is 男');
    assert.ok(!renderFrontSvg(front({ sex: 'unknown' })).match(/>[男女]</), 'unknown prints neither');
    assert.ok(
      renderFrontSvg(front({ birthDate: '2019-05-01' })).includes('令和元年5月1日生'),
      'first era year',
    );
  });

  it('escapes names for XML', () => {
    const name = `Tom & "Jerry" <script>alert('x')</script>`;
    const svg = renderFrontSvg(front({ name, address: 'A&B <c>', municipality: '<市>' }));
    parseSvg(svg);
    assert.ok(svg.includes(escapeXml(name)), 'escaped name present');
    assert.ok(!svg.includes('<script>'), 'no raw markup');
    assert.ok(svg.includes('A&amp;B &lt;c&gt;'), 'escaped address present');
  });

  it('never prints the individual number on the front', () => {
    const svg = renderFrontSvg(front({ securityCode: NUMBER.slice(0, 4) }));
    for (const form of [NUMBER, formatIndividualNumber(NUMBER), NUMBER.slice(4)])
      assert.ok(!svg.includes(form), `front holds ${form}`);
    const backSvg = renderBackSvg(back());
    assert.ok(backSvg.includes('6214 9832 0257'), 'the back does print it');
  });

  it('embeds the photo, and draws it when rasterised', async () => {
    const photo = await sharp({ create: { width: 420, height: 540, channels: 3, background: '#1f8f3a' } })
      .jpeg()
      .toBuffer();
    const svg = renderFrontSvg(front({ photo }));
    assert.ok(svg.includes(`data:image/jpeg;base64,${photo.toString('base64')}`), 'data URI');
    assert.ok(!svg.includes('写真なし'), 'no placeholder');
    const png = svgToPng(svg);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * info.channels).subarray(0, 3),
    ];
    const [r, g, b] = at(720, 230);
    assert.ok(
      Math.abs(r! - 0x1f) < 20 && Math.abs(g! - 0x8f) < 20 && Math.abs(b! - 0x3a) < 20,
      `${at(720, 230)}`,
    );
  });

  it('rejects malformed input with CARD_RENDER_INVALID', () => {
    invalidCode(() => renderFrontSvg(front({ birthDate: '1985-02-30' })), 'birthDate');
    invalidCode(() => renderFrontSvg(front({ expiry: 'soon' })), 'expiry');
    invalidCode(() => renderFrontSvg(front({ securityCode: '12a4' })), 'securityCode');
    invalidCode(() => renderFrontSvg(front({ photo: new Uint8Array([0x47, 0x49, 0x46, 0x38]) })), 'photo');
  });

  it('stays well-formed and renders for any name, address and municipality (property)', () => {
    fc.assert(
      fc.property(nastyString, nastyString, nastyString, (name, address, municipality) => {
        parseSvg(renderFrontSvg(front({ name, address, municipality })));
        parseSvg(renderBackSvg(back({ name })));
      }),
      { numRuns: 300 },
    );
    // Full rasterisation with the fonts is slower (~0.1 s), so fewer runs.
    fc.assert(
      fc.property(nastyString, (name) => {
        pngSize(svgToPng(renderFrontSvg(front({ name })), 64));
      }),
      { numRuns: 8 },
    );
  });
});

describe('renderBackSvg', () => {
  it('prints the number as NNNN NNNN NNNN, the name and the birth date', () => {
    const svg = renderBackSvg(back());
    parseSvg(svg);
    for (const expected of ['個人番号', '6214 9832 0257', '渡邊 花子', '昭和60年1月2日生'])
      assert.ok(svg.includes(expected), `back shows ${expected}`);
  });

  it('draws the QR code of qrText as vector modules', () => {
    const qrText = `MYNA:${NUMBER}`;
    const svg = renderBackSvg(back({ qrText }));
    const group =
      /<g class="qr" data-modules="(\d+)" data-module-size="([\d.]+)"><rect x="([\d.]+)" y="([\d.]+)"[^>]*\/><g[^>]*>(.*?)<\/g><\/g>/.exec(
        svg,
      );
    assert.ok(group, 'QR group present');
    const m = Number(group[2]);
    const x0 = Number(group[3]) + 4 * m;
    const y0 = Number(group[4]) + 4 * m;
    const drawn = new Set<string>();
    for (const r of group[5]!.matchAll(
      /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="[\d.]+"\/>/g,
    )) {
      const row = Math.round((Number(r[2]) - y0) / m);
      const col = Math.round((Number(r[1]) - x0) / m);
      for (let i = 0; i < Math.round(Number(r[3]) / m); i++) drawn.add(`${row},${col + i}`);
    }
    const matrix = qrMatrix(qrText);
    assert.equal(Number(group[1]), matrix.size);
    const expected = new Set<string>();
    for (let r = 0; r < matrix.size; r++)
      for (let c = 0; c < matrix.size; c++) if (matrix.isDark(r, c)) expected.add(`${r},${c}`);
    assert.deepEqual(drawn, expected);
  });

  it('rejects a number that is not 12 digits, and an empty QR text', () => {
    invalidCode(() => renderBackSvg(back({ number: '62149832025' })), 'number');
    invalidCode(() => renderBackSvg(back({ number: '６２１４９８３２０２５７' })), 'number');
    invalidCode(() => renderBackSvg(back({ birthDate: '' })), 'birthDate');
    invalidCode(() => renderBackSvg(back({ qrText: '' })));
  });
});

describe('svgToPng', () => {
  it('renders a PNG of the requested width, card-shaped', () => {
    const svg = renderBackSvg(back());
    assert.deepEqual(pngSize(svgToPng(svg)), { width: 856, height: 540 });
    assert.deepEqual(pngSize(svgToPng(svg, 1712)), { width: 1712, height: 1080 });
  });

  it('draws text with the bundled font (the glyphs leave ink)', async () => {
    const blank = renderFrontSvg(front({ name: '' }));
    const named = renderFrontSvg(front({ name: '鬱鬱鬱鬱鬱鬱' }));
    const ink = async (svg: string) => {
      const { data } = await sharp(svgToPng(svg))
        .extract({ left: 118, top: 90, width: 400, height: 50 })
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return data.reduce((n, v) => n + (v < 100 ? 1 : 0), 0);
    };
    assert.equal(await ink(blank), 0);
    assert.ok((await ink(named)) > 2000, 'the name was drawn');
  });

  it('rejects malformed SVG and silly widths with CARD_RENDER_INVALID', () => {
    invalidCode(() => svgToPng('<svg xmlns="http://www.w3.org/2000/svg"><text>a & b</text></svg>'));
    invalidCode(() => svgToPng('not svg'));
    invalidCode(() => svgToPng(renderBackSvg(back()), 0), 'width');
    invalidCode(() => svgToPng(renderBackSvg(back()), 10.5), 'width');
  });
});
