import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { ApduError, encodeCommandApdu, parseCommandApdu, parseResponse, SW, triesFromSw } from './apdu.ts';
import { fromBase64Url, fromHex, toBase64Url, toHex } from './bytes.ts';
import { digestInfo, digestInfoAlgorithm } from './digest-info.ts';
import { ChipError } from './errors.ts';
import { parseTlvs, readTlvHeader } from './tlv.ts';

const h = (s: string) => fromHex(s.replace(/\s+/g, ''));

describe('parseCommandApdu', () => {
  it('reads the four cases, short and extended', () => {
    assert.deepEqual(parseCommandApdu(h('00200080')), {
      cla: 0,
      ins: 0x20,
      p1: 0,
      p2: 0x80,
      data: new Uint8Array(0),
      extended: false,
    });
    assert.equal(parseCommandApdu(h('00B0000000')).le, 256);
    assert.equal(parseCommandApdu(h('00B0000007')).le, 7);
    const select = parseCommandApdu(h('00A4020C020001'));
    assert.deepEqual([...select.data], [0, 1]);
    assert.equal(select.le, undefined);
    const sign = parseCommandApdu(h('802A0080 03 AABBCC 00'));
    assert.deepEqual([sign.cla, sign.ins, sign.le, sign.data.length], [0x80, 0x2a, 256, 3]);
    assert.equal(parseCommandApdu(h('00B00000 000000')).le, 65536);
    assert.equal(parseCommandApdu(h('00B00000 000800')).le, 2048);
    const e3 = parseCommandApdu(h('00200080 000002 3132'));
    assert.deepEqual([e3.extended, e3.data.length, e3.le], [true, 2, undefined]);
    const e4 = parseCommandApdu(h('802A0080 000002 AABB 0100'));
    assert.deepEqual([e4.extended, e4.data.length, e4.le], [true, 2, 256]);
  });

  it('answers 6700 for impossible lengths', () => {
    for (const bad of [
      '',
      '00',
      '00A404',
      '00A4040C0501',
      '00A4040C01AABBCC',
      '00B0000000AA',
      '00B00000000002AA',
      '0020008000000001',
    ]) {
      assert.throws(
        () => parseCommandApdu(h(bad)),
        (e: unknown) => e instanceof ApduError && e.sw === SW.WRONG_LENGTH && e.code === 'CHIP_APDU',
        bad,
      );
    }
  });

  it('property: encode → parse gives the same command back', () => {
    const command = fc.record({
      cla: fc.integer({ min: 0, max: 255 }),
      ins: fc.integer({ min: 0, max: 255 }),
      p1: fc.integer({ min: 0, max: 255 }),
      p2: fc.integer({ min: 0, max: 255 }),
      data: fc.option(fc.uint8Array({ minLength: 1, maxLength: 600 }), { nil: undefined }),
      le: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
      extended: fc.boolean(),
    });
    fc.assert(
      fc.property(command, (c) => {
        const input = {
          cla: c.cla,
          ins: c.ins,
          p1: c.p1,
          p2: c.p2,
          extended: c.extended,
          ...(c.data ? { data: c.data } : {}),
          ...(c.le ? { le: c.le } : {}),
        };
        const parsed = parseCommandApdu(encodeCommandApdu(input));
        assert.deepEqual(
          [parsed.cla, parsed.ins, parsed.p1, parsed.p2, [...parsed.data], parsed.le],
          [c.cla, c.ins, c.p1, c.p2, [...(c.data ?? [])], c.le],
        );
        const needsExtended = (c.data?.length ?? 0) > 255 || (c.le ?? 0) > 256;
        if (needsExtended) assert.equal(parsed.extended, true);
      }),
      { numRuns: 500 },
    );
  });

  it('property: arbitrary bytes either parse or throw the typed 6700 error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          const c = parseCommandApdu(bytes);
          assert.ok(c.data.length <= bytes.length);
        } catch (e) {
          assert.ok(e instanceof ApduError && e.sw === SW.WRONG_LENGTH);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('encoder rejects values that do not fit', () => {
    assert.throws(() => encodeCommandApdu({ cla: 256, ins: 0, p1: 0, p2: 0 }), ChipError);
    assert.throws(() => encodeCommandApdu({ cla: 0, ins: 0, p1: 0, p2: 0, le: 0 }), ChipError);
    assert.throws(
      () => encodeCommandApdu({ cla: 0, ins: 0, p1: 0, p2: 0, data: new Uint8Array(65536) }),
      ChipError,
    );
    assert.equal(toHex(encodeCommandApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 256 })), '00B0000000');
  });
});

describe('parseResponse', () => {
  it('splits data and status word, and rejects responses without one', () => {
    const r = parseResponse(h('AABB63C2'));
    assert.deepEqual([[...r.data], r.sw, triesFromSw(r.sw)], [[0xaa, 0xbb], 0x63c2, 2]);
    assert.equal(triesFromSw(0x9000), undefined);
    assert.throws(
      () => parseResponse(h('90')),
      (e: unknown) => e instanceof ChipError && e.code === 'CHIP_RESPONSE',
    );
  });
});

describe('TLV reader', () => {
  it('reads what asn1js writes, including the high-tag private form', () => {
    const block = new asn1js.Constructed({
      idBlock: { tagClass: 4, tagNumber: 0x20 },
      value: [
        new asn1js.Primitive({ idBlock: { tagClass: 4, tagNumber: 0x22 }, valueHex: new Uint8Array(300) }),
      ],
    });
    const ber = new Uint8Array(block.toBER());
    const head = readTlvHeader(ber.subarray(0, 7)); // FF 20 82 01 31
    assert.deepEqual(head, {
      tagClass: 'private',
      constructed: true,
      tagNumber: 0x20,
      headerLength: 5,
      length: 305,
    });
    const inner = parseTlvs(parseTlvs(ber)![0]!.value)!;
    assert.deepEqual([inner[0]!.tagNumber, inner[0]!.value.length], [0x22, 300]);
  });

  it('accepts the real card quirk FF 10 0C for the My Number file', () => {
    const tlv = parseTlvs(h('FF100C313233343536373839303138'))![0]!;
    assert.deepEqual(
      [tlv.tagClass, tlv.tagNumber, new TextDecoder().decode(tlv.value)],
      ['private', 16, '123456789018'],
    );
  });

  it('property: never throws; parsed TLVs exactly cover the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const tlvs = parseTlvs(bytes);
        if (tlvs !== undefined) {
          assert.equal(
            tlvs.reduce((n, t) => n + t.headerLength + t.length, 0),
            bytes.length,
          );
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('property: round-trips any private primitive written by asn1js', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.uint8Array({ maxLength: 1000 }), (tag, value) => {
        const ber = new Uint8Array(
          new asn1js.Primitive({ idBlock: { tagClass: 4, tagNumber: tag }, valueHex: value }).toBER(),
        );
        const [t] = parseTlvs(ber)!;
        assert.deepEqual([t!.tagClass, t!.tagNumber, [...t!.value]], ['private', tag, [...value]]);
      }),
    );
  });
});

describe('base64url and hex', () => {
  it('property: matches Node and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = toBase64Url(bytes);
        assert.equal(text, Buffer.from(bytes).toString('base64url'));
        assert.deepEqual([...fromBase64Url(text)], [...bytes]);
        assert.deepEqual([...fromHex(toHex(bytes))], [...bytes]);
      }),
    );
    assert.throws(() => fromBase64Url('a'), TypeError);
    assert.throws(() => fromBase64Url('ab+c'), TypeError);
  });
});

describe('DigestInfo', () => {
  it('builds and recognises the four prefixes, and nothing else', () => {
    assert.equal(
      toHex(digestInfo('SHA-256', new Uint8Array(32))).slice(0, 38),
      '3031300D060960864801650304020105000420',
    );
    for (const [alg, n] of [
      ['SHA-1', 20],
      ['SHA-256', 32],
      ['SHA-384', 48],
      ['SHA-512', 64],
    ] as const) {
      assert.equal(digestInfoAlgorithm(digestInfo(alg, new Uint8Array(n))), alg);
      assert.throws(() => digestInfo(alg, new Uint8Array(n + 1)), ChipError);
    }
    assert.equal(digestInfoAlgorithm(new Uint8Array(51)), undefined);
    assert.equal(digestInfoAlgorithm(digestInfo('SHA-256', new Uint8Array(32)).subarray(0, 50)), undefined);
  });
});
