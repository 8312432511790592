import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { openCardFile, readCardFileHeader } from './card-file.ts';
import {
  CARD_KEY,
  COLLATION_B,
  CONTENT,
  fakeCertificate,
  hex,
  ISSUER_KEY,
  type Personalized,
  personalize,
  send,
  verifyRsa,
} from './chip.test-util.ts';
import { deserializeState } from './chip-state.ts';
import { digestInfo } from './digest-info.ts';
import { ChipError } from './errors.ts';
import { AID } from './layout.ts';
import { VirtualChip } from './virtual-chip.ts';

const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');
const lc = (s: string) => (s.length / 2).toString(16).padStart(2, '0');
const selectAp = (aid: string) => `00A4040C${lc(aid)}${aid}`;
const selectEf = (fid: string) => `00A4020C02${fid}`;
const verify = (pin: string) => (pin === '' ? '00200080' : `00200080${lc(ascii(pin))}${ascii(pin)}`);
const READ = '00B0000000';
const WRONG_ISSUER = new Uint8Array(32).fill(8);

let base: Personalized;
const fresh = () => VirtualChip.open(base.file, CARD_KEY);

before(async () => {
  base = await personalize();
});

describe('personalization', () => {
  it('a blank chip answers only SELECT until finalized', async () => {
    const chip = await VirtualChip.create({ issuerKey: ISSUER_KEY, cardId: 'blank' });
    assert.equal(chip.lifecycle, 'personalizing');
    assert.equal((await send(chip, selectAp(AID.JPKI))).sw, '9000');
    assert.equal((await send(chip, selectEf('000A'))).sw, '6A82'); // nothing written yet
    assert.equal((await send(chip, READ)).sw, '6985');
    assert.equal((await send(chip, verify(''))).sw, '6985');
    await assert.rejects(
      chip.finalize(ISSUER_KEY),
      (e: unknown) => e instanceof ChipError && e.code === 'CHIP_STATE',
    );
  });

  it('every issuer operation needs the issuer key', async () => {
    const chip = await VirtualChip.create({ issuerKey: ISSUER_KEY, cardId: 'blank' });
    const wrong = (e: unknown) => e instanceof ChipError && e.code === 'CHIP_ISSUER_KEY';
    await assert.rejects(chip.generateKeyPair(WRONG_ISSUER, 'signature'), wrong);
    await assert.rejects(chip.writeContent(WRONG_ISSUER, CONTENT), wrong);
    await assert.rejects(chip.setPin(WRONG_ISSUER, 'text', '1111'), wrong);
    await assert.rejects(chip.setPin(new Uint8Array(5), 'text', '1111'), wrong);
    await assert.rejects(chip.replaceCertificate(WRONG_ISSUER, 'signature', fakeCertificate('x')), wrong);
    await assert.rejects(chip.finalize(WRONG_ISSUER), wrong);
    await assert.rejects(VirtualChip.create({ issuerKey: new Uint8Array(16), cardId: 'x' }), wrong);
  });

  it('validates content and PIN formats', async () => {
    const chip = await VirtualChip.create({ issuerKey: ISSUER_KEY, cardId: 'blank' });
    const arg = (e: unknown) => e instanceof ChipError && e.code === 'CHIP_ARGUMENT';
    await assert.rejects(chip.writeContent(ISSUER_KEY, { ...CONTENT, number: '12345' }), arg);
    await assert.rejects(chip.writeContent(ISSUER_KEY, { ...CONTENT, birthDate: '19800230' }), arg);
    await assert.rejects(
      chip.writeContent(ISSUER_KEY, { ...CONTENT, authenticationCertificate: hex('3003AA') }),
      arg,
    );
    await assert.rejects(chip.writeContent(ISSUER_KEY, { ...CONTENT, photo: new Uint8Array(40000) }), arg);
    const fmt = (e: unknown) => e instanceof ChipError && e.code === 'CHIP_PIN_FORMAT';
    await assert.rejects(chip.setPin(ISSUER_KEY, 'signature', 'abc123'), fmt); // the chip stores upper case only
    await assert.rejects(chip.setPin(ISSUER_KEY, 'signature', 'AB12'), fmt);
    await assert.rejects(chip.setPin(ISSUER_KEY, 'authentication', '12345'), fmt);
    await assert.rejects(chip.setPin(ISSUER_KEY, 'image-collation-b', '1234'), fmt);
  });

  it('an under-15 card has no signature certificate, key or password', async () => {
    const { file } = await personalize({ signature: false, cardId: 'child' });
    const chip = await VirtualChip.open(file, CARD_KEY);
    await send(chip, selectAp(AID.JPKI));
    for (const fid of ['0001', '0002', '001A', '001B'])
      assert.equal((await send(chip, selectEf(fid))).sw, '6A82', fid);
    assert.equal((await send(chip, selectEf('000A'))).sw, '9000');
  });
});

describe('JPKI AP', () => {
  it('reads the authentication certificates and token freely, the signature certificate only with the password', async () => {
    const chip = await fresh();
    assert.equal((await send(chip, selectAp(AID.JPKI))).sw, '9000');
    await send(chip, selectEf('000A'));
    const first = await send(chip, '00B0000007');
    assert.deepEqual([...first.data], [...CONTENT.authenticationCertificate.subarray(0, 7)]);
    await send(chip, selectEf('0006'));
    assert.equal(
      Buffer.from((await send(chip, READ)).data).toString('latin1'),
      'JPKIAPICCTOKEN2'.padEnd(32, ' '),
    );
    await send(chip, selectEf('0001'));
    assert.equal((await send(chip, READ)).sw, '6982');
    await send(chip, selectEf('001B'));
    assert.equal((await send(chip, verify('ABC123'))).sw, '9000');
    await send(chip, selectEf('0001'));
    const r = await send(chip, '00B00000 000800'); // extended Le 2048
    assert.equal(r.sw, '9000');
    assert.deepEqual([...r.data], [...CONTENT.signatureCertificate!]);
  });

  it('key EFs can be selected but never read', async () => {
    const chip = await fresh();
    await send(chip, selectAp(AID.JPKI));
    for (const fid of ['001A', '0017']) {
      assert.equal((await send(chip, selectEf(fid))).sw, '9000');
      assert.equal((await send(chip, READ)).sw, '6986');
    }
  });

  it('no file of any AP reveals a private key', async () => {
    const chip = await fresh();
    const state = deserializeState(
      Buffer.from((await openCardFile(base.file, CARD_KEY)).plaintext).toString(),
    );
    const secrets = Object.values(state.keys).flatMap((k) => [k.jwk.d, k.jwk.p, k.jwk.q]);
    const seen: Buffer[] = [];
    for (const aid of Object.values(AID)) {
      await send(chip, selectAp(aid));
      for (let fid = 0; fid < 0x40; fid++) {
        await send(chip, selectEf(fid.toString(16).padStart(4, '0')));
        seen.push(Buffer.from((await send(chip, '00B00000 000000')).data));
      }
    }
    const all = Buffer.concat(seen);
    assert.ok(all.length > 5000);
    for (const s of secrets) assert.equal(all.indexOf(Buffer.from(s, 'base64url').subarray(0, 32)), -1);
  });

  it('signs a DigestInfo that WebCrypto verifies over the message', async () => {
    const chip = await fresh();
    const message = new TextEncoder().encode('e-Tax return 2025');
    for (const [alg, hash] of [
      ['SHA-256', 'sha256'],
      ['SHA-1', 'sha1'],
      ['SHA-384', 'sha384'],
      ['SHA-512', 'sha512'],
    ] as const) {
      const di = Buffer.from(digestInfo(alg, createHash(hash).update(message).digest())).toString('hex');
      await send(chip, selectAp(AID.JPKI));
      await send(chip, selectEf('001B'));
      await send(chip, verify('ABC123'));
      await send(chip, selectEf('001A'));
      const r = await send(chip, `802A0080${lc(di)}${di}00`);
      assert.equal(r.sw, '9000');
      assert.equal(r.data.length, 256);
      assert.ok(await verifyRsa(base.spki.signature, r.data, message, alg), alg);
      assert.ok(!(await verifyRsa(base.spki.authentication, r.data, message, alg)));
    }
  });

  it('refuses to sign without the right PIN, key EF or DigestInfo', async () => {
    const chip = await fresh();
    const di = Buffer.from(digestInfo('SHA-256', new Uint8Array(32))).toString('hex');
    const sign = `802A0080${lc(di)}${di}00`;
    await send(chip, selectAp(AID.JPKI));
    await send(chip, selectEf('001A'));
    assert.equal((await send(chip, sign)).sw, '6982');
    await send(chip, selectEf('0018'));
    await send(chip, verify('1234')); // the authentication PIN does not open the signature key
    await send(chip, selectEf('001A'));
    assert.equal((await send(chip, sign)).sw, '6982');
    await send(chip, selectEf('0017'));
    assert.equal((await send(chip, sign)).sw, '9000');
    assert.equal((await send(chip, '802A0080 03 AABBCC 00')).sw, '6A80');
    assert.equal((await send(chip, `802A0081${lc(di)}${di}00`)).sw, '6A86');
    await send(chip, selectEf('000A'));
    assert.equal((await send(chip, sign)).sw, '6986');
  });
});

describe('PIN counters', () => {
  it('counts down, locks at zero, stays locked for the right PIN, and the issuer unlocks', async () => {
    const chip = await fresh();
    await send(chip, selectAp(AID.JPKI));
    await send(chip, selectEf('0018'));
    assert.equal((await send(chip, verify(''))).sw, '63C3');
    assert.equal((await send(chip, verify('0000'))).sw, '63C2');
    assert.equal((await send(chip, verify('0000'))).sw, '63C1');
    assert.equal((await send(chip, verify('0000'))).sw, '63C0');
    assert.deepEqual(chip.pinStatus('authentication'), { triesLeft: 0, locked: true });
    assert.equal((await send(chip, verify('1234'))).sw, '6983');
    assert.equal((await send(chip, verify(''))).sw, '6983');
    await send(chip, selectEf('0017'));
    assert.equal(
      (await send(chip, `802A0080 33 3031300D060960864801650304020105000420${'00'.repeat(32)}00`)).sw,
      '6982',
    );

    await chip.setPin(ISSUER_KEY, 'authentication', '2468');
    await send(chip, selectEf('0018'));
    assert.equal((await send(chip, verify(''))).sw, '63C3');
    assert.equal((await send(chip, verify('1234'))).sw, '63C2');
    assert.equal((await send(chip, verify('2468'))).sw, '9000');
    assert.equal((await send(chip, verify(''))).sw, '63C3'); // a correct entry resets the counter
  });

  it('the signature password allows five tries', async () => {
    const chip = await fresh();
    await send(chip, selectAp(AID.JPKI));
    await send(chip, selectEf('001B'));
    assert.equal((await send(chip, verify(''))).sw, '63C5');
    assert.equal((await send(chip, verify('abc123'))).sw, '63C4'); // the card compares bytes; readers upper-case
  });

  it('selecting another AP drops verified PINs', async () => {
    const chip = await fresh();
    await send(chip, selectAp(AID.TEXT));
    await send(chip, selectEf('0011'));
    await send(chip, verify('5678'));
    await send(chip, selectEf('0001'));
    assert.equal((await send(chip, READ)).sw, '9000');
    await send(chip, selectAp(AID.JPKI));
    await send(chip, selectAp(AID.TEXT));
    await send(chip, selectEf('0001'));
    assert.equal((await send(chip, READ)).sw, '6982');
  });

  it('CHANGE REFERENCE DATA needs a VERIFY first, checks the format, and replaces the PIN', async () => {
    const chip = await fresh();
    await send(chip, selectAp(AID.TEXT));
    await send(chip, selectEf('0011'));
    assert.equal((await send(chip, `00240180 04 ${ascii('9999')}`)).sw, '6982');
    await send(chip, verify('5678'));
    assert.equal((await send(chip, `00240180 03 ${ascii('999')}`)).sw, '6A80');
    assert.equal((await send(chip, `00240180 04 ${ascii('99a9')}`)).sw, '6A80');
    assert.equal((await send(chip, `00240080 04 ${ascii('9999')}`)).sw, '6A86');
    assert.equal((await send(chip, `00240180 04 ${ascii('9999')}`)).sw, '9000');
    await send(chip, selectAp(AID.TEXT));
    await send(chip, selectEf('0011'));
    assert.equal((await send(chip, verify('5678'))).sw, '63C2');
    assert.equal((await send(chip, verify('9999'))).sw, '9000');
    await send(chip, selectEf('0014'));
    await send(chip, verify(CONTENT.number));
    assert.equal((await send(chip, `00240180 0C ${ascii('111111111111')}`)).sw, '6985'); // collation numbers are fixed
  });

  it('property: VERIFY succeeds exactly for the stored PIN', async () => {
    const chip = await fresh();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant('5678'), fc.string({ maxLength: 8 }), fc.stringMatching(/^[0-9]{4}$/)),
        async (pin) => {
          await chip.setPin(ISSUER_KEY, 'text', '5678');
          await send(chip, selectAp(AID.TEXT));
          await send(chip, selectEf('0011'));
          const data = Buffer.from(pin, 'utf8').toString('hex');
          const { sw } = await send(chip, data === '' ? '00200080' : `00200080${lc(data)}${data}`);
          if (pin === '5678') assert.equal(sw, '9000');
          else assert.match(sw, data === '' ? /^63C3$/ : /^63C2$/);
          await send(chip, selectEf('0001'));
          assert.equal((await send(chip, READ)).sw, pin === '5678' ? '9000' : '6982');
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('text and image APs', () => {
  const unlock = async (chip: VirtualChip, aid: string, fid: string, pin: string) => {
    await send(chip, selectAp(aid));
    await send(chip, selectEf(fid));
    assert.equal((await send(chip, verify(pin))).sw, '9000');
  };
  const read = async (chip: VirtualChip, fid: string) => {
    await send(chip, selectEf(fid));
    return send(chip, '00B00000 000000');
  };

  it('collation B opens the basic four and the face, never the number', async () => {
    const chip = await fresh();
    await unlock(chip, AID.TEXT, '0015', COLLATION_B);
    assert.equal((await read(chip, '0002')).sw, '9000');
    assert.equal((await read(chip, '0001')).sw, '6982');
    await unlock(chip, AID.IMAGE, '0012', COLLATION_B);
    const face = await read(chip, '0002');
    assert.equal(face.sw, '9000');
    assert.ok(Buffer.from(face.data).includes(Buffer.from(CONTENT.name)));
    assert.ok(Buffer.from(face.data).includes(Buffer.from(CONTENT.photo!)));
    assert.equal((await read(chip, '0005')).sw, '6982');
  });

  it('chained read: text PIN gives the number, which as collation A opens the image number file', async () => {
    const chip = await fresh();
    await unlock(chip, AID.TEXT, '0011', '5678');
    const numberFile = await read(chip, '0001');
    assert.equal(Buffer.from(numberFile.data).toString('hex'), `ff100c${ascii(CONTENT.number)}`);
    const number = Buffer.from(numberFile.data.subarray(3)).toString();
    await unlock(chip, AID.IMAGE, '0013', number);
    const r = await read(chip, '0005');
    assert.equal(r.sw, '9000');
    assert.ok(Buffer.from(r.data).includes(Buffer.from(CONTENT.number)));
  });

  it('text basic four is a private 0x20 container with 0x21–0x25', async () => {
    const chip = await fresh();
    await unlock(chip, AID.TEXT, '0014', CONTENT.number);
    const { data } = await read(chip, '0002');
    assert.equal(Buffer.from(data.subarray(0, 2)).toString('hex'), 'ff20');
    assert.ok(Buffer.from(data).includes(Buffer.concat([hex('DF2408'), Buffer.from('19800412')])));
  });
});

describe('bad commands', () => {
  it('answer the right status word', async () => {
    const chip = await fresh();
    const cases: [string, string][] = [
      ['00A4', '6700'],
      ['00A4020C0300010A', '6700'], // SELECT EF with three FID bytes
      ['00A4020C05000A', '6700'], // Lc says 5, one byte follows
      ['00A4020C02000A', '6A82'], // no AP selected yet
      ['00A4040C05D392F00026', '6A82'],
      ['00A4010C02000A', '6A86'],
      ['00A4040102D392', '6A86'],
      ['00CA000000', '6D00'],
      ['90A4040C00', '6E00'],
      ['80A4020C02000A', '6E00'],
      ['002A008000', '6E00'],
      [READ, '6986'], // no current EF
    ];
    for (const [apdu, sw] of cases) assert.equal((await send(chip, apdu)).sw, sw, apdu);
    await send(chip, selectAp(AID.JPKI));
    await send(chip, selectEf('000A'));
    const size = CONTENT.authenticationCertificate.length;
    const at = (o: number) => `00B0${o.toString(16).padStart(4, '0')}00`;
    assert.equal((await send(chip, at(size - 1))).data.length, 1);
    assert.equal((await send(chip, at(size))).sw, '6B00');
    assert.equal((await send(chip, at(0x7fff))).sw, '6B00');
    assert.equal((await send(chip, '00B08100 00')).sw, '6A86'); // short EF identifier
    assert.equal((await send(chip, '00B00000')).sw, '6700'); // no Le
    assert.equal((await send(chip, '00B00000 01 00 00')).sw, '6700'); // data on READ BINARY
    assert.equal((await send(chip, '00200081')).sw, '6A86');
    assert.equal((await send(chip, '00200080')).sw, '6986'); // current EF is no PIN
    await send(chip, selectEf('0018'));
    assert.equal((await send(chip, `00200080 11 ${'31'.repeat(17)}`)).sw, '6700');
    assert.equal(chip.pinStatus('authentication').triesLeft, 3);
  });

  it('transmit answers 6F00 instead of throwing on nonsense input', async () => {
    const chip = await fresh();
    const r = await chip.transmit(null as unknown as Uint8Array);
    assert.equal(Buffer.from(r).toString('hex'), '6f00');
  });

  it('property: any bytes get a response ending in a status word, never an exception', async () => {
    const chip = await fresh();
    const header = fc.tuple(
      fc.constantFrom(0x00, 0x80, 0x84, 0xff),
      fc.constantFrom(0xa4, 0xb0, 0x20, 0x24, 0x2a, 0xca),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
    );
    const apdu = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(header, fc.uint8Array({ maxLength: 40 })).map(([h, rest]) => Uint8Array.from([...h, ...rest])),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(apdu, { minLength: 1, maxLength: 8 }), async (apdus) => {
        await send(chip, selectAp(AID.JPKI));
        for (const a of apdus) {
          const r = await chip.transmit(a);
          assert.ok(r instanceof Uint8Array && r.length >= 2);
          const sw = (r[r.length - 2]! << 8) | r[r.length - 1]!;
          assert.ok(
            sw === 0x9000 || (sw & 0xff00) === 0x6100 || (sw >= 0x6200 && sw <= 0x6fff),
            sw.toString(16),
          );
          if (sw !== 0x9000) assert.equal(r.length, 2);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('card file', () => {
  it('save/open keeps counters; dirty and onChange report changes', async () => {
    const chip = await fresh();
    assert.equal(chip.dirty, false);
    let changes = 0;
    const off = chip.onChange(() => changes++);
    await send(chip, selectAp(AID.TEXT));
    await send(chip, selectEf('0011'));
    await send(chip, verify('0000'));
    await send(chip, verify('0001'));
    assert.deepEqual([changes, chip.dirty], [2, true]);
    off();
    const file = await chip.save(CARD_KEY);
    assert.equal(chip.dirty, false);
    const again = await VirtualChip.open(file, CARD_KEY);
    assert.deepEqual(again.pinStatus('text'), { triesLeft: 1, locked: false });
    assert.equal(again.lifecycle, 'issued');
    assert.equal(readCardFileHeader(file).cardId, 'card-0001');
    assert.match(Buffer.from(file.subarray(0, 40)).toString(), /^\{"format":"myna-virtual-card\/1"/);
    await send(again, selectAp(AID.TEXT));
    await send(again, selectEf('0011'));
    await send(again, verify('5678'));
    await send(again, selectEf('0001'));
    assert.equal((await send(again, READ)).sw, '9000');
  });

  it('rejects a wrong key, a tampered body and a tampered header', async () => {
    const corrupt = (e: unknown) => e instanceof ChipError && e.code === 'CHIP_FILE_CORRUPT';
    await assert.rejects(VirtualChip.open(base.file, new Uint8Array(32).fill(1)), corrupt);
    const body = base.file.slice();
    body[body.length - 100]! ^= 1;
    await assert.rejects(VirtualChip.open(body, CARD_KEY), corrupt);
    const header = Buffer.from(base.file);
    const renamed = Buffer.from(header.toString('latin1').replace('card-0001', 'card-0002'), 'latin1');
    await assert.rejects(VirtualChip.open(renamed, CARD_KEY), corrupt);
    await assert.rejects(VirtualChip.open(new Uint8Array([1, 2, 3]), CARD_KEY), corrupt);
    await assert.rejects(
      VirtualChip.open(base.file, new Uint8Array(16)),
      (e: unknown) => e instanceof ChipError && e.code === 'CHIP_ARGUMENT',
    );
  });
});

describe('renewal', () => {
  it('a new key pair and certificate replace the old ones on an issued card', async () => {
    const chip = await fresh();
    const spki = await chip.generateKeyPair(ISSUER_KEY, 'authentication');
    assert.notDeepEqual(spki, base.spki.authentication);
    const cert = fakeCertificate('renewed authentication', 700);
    await chip.replaceCertificate(ISSUER_KEY, 'authentication', cert);
    await send(chip, selectAp(AID.JPKI));
    await send(chip, selectEf('000A'));
    assert.deepEqual([...(await send(chip, '00B00000 000800')).data], [...cert]);
    const message = new TextEncoder().encode('login');
    const di = Buffer.from(digestInfo('SHA-256', createHash('sha256').update(message).digest())).toString(
      'hex',
    );
    await send(chip, selectEf('0018'));
    await send(chip, verify('1234'));
    await send(chip, selectEf('0017'));
    const sig = (await send(chip, `802A0080${lc(di)}${di}00`)).data;
    assert.ok(await verifyRsa(spki, sig, message));
    assert.ok(!(await verifyRsa(base.spki.authentication, sig, message)));
  });
});
