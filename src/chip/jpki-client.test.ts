import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { type CardReader, parseCommandApdu } from './apdu.ts';
import {
  CARD_KEY,
  COLLATION_B,
  CONTENT,
  type Personalized,
  personalize,
  verifyRsa,
} from './chip.test-util.ts';
import { digestInfoSha256 } from './digest-info.ts';
import { type CardClient, CardClientError, createCardClient } from './jpki-client.ts';
import { VirtualChip } from './virtual-chip.ts';

let base: Personalized;
before(async () => {
  base = await personalize();
});

async function client(): Promise<{ chip: VirtualChip; card: CardClient; log: Uint8Array[] }> {
  const chip = await VirtualChip.open(base.file, CARD_KEY);
  const log: Uint8Array[] = [];
  const reader: CardReader = {
    transmit: (apdu) => {
      log.push(apdu);
      return chip.transmit(apdu);
    },
  };
  return { chip, card: createCardClient(reader), log };
}

const code =
  (c: string, extra: Partial<CardClientError> = {}) =>
  (e: unknown) =>
    e instanceof CardClientError &&
    e.code === c &&
    Object.entries(extra).every(([k, v]) => e[k as keyof CardClientError] === v);

describe('card client: JPKI', () => {
  it('reads certificates in chunks of at most 256 bytes, probing 7 bytes first', async () => {
    const { card, log } = await client();
    assert.deepEqual(await card.readCertificate('authentication'), CONTENT.authenticationCertificate);
    const reads = log.map((a) => parseCommandApdu(a)).filter((c) => c.ins === 0xb0);
    assert.equal(reads[0]!.le, 7);
    assert.ok(reads.length >= 7 && reads.every((r) => r.le! <= 256));
    assert.deepEqual(await card.readCaCertificate('authentication'), CONTENT.authenticationCaCertificate);
    assert.deepEqual(await card.readCaCertificate('signature'), CONTENT.signatureCaCertificate);
    assert.equal(await card.readToken(), 'JPKIAPICCTOKEN2');
  });

  it('the signature certificate needs the password, which is upper-cased before sending', async () => {
    const { chip, card } = await client();
    await assert.rejects(card.readCertificate('signature'), code('CHIP_SECURITY', { sw: 0x6982 }));
    assert.deepEqual(await card.readCertificate('signature', 'abc123'), CONTENT.signatureCertificate);
    assert.equal(chip.pinStatus('signature').triesLeft, 5);
  });

  it('signs with both keys; WebCrypto verifies against the SPKI', async () => {
    const { card } = await client();
    const message = new TextEncoder().encode('マイナポータル login challenge');
    const di = digestInfoSha256(new Uint8Array(createHash('sha256').update(message).digest()));
    const auth = await card.sign('authentication', '1234', di);
    assert.ok(await verifyRsa(base.spki.authentication, auth, message));
    const sig = await card.sign('signature', 'Abc123', di);
    assert.ok(await verifyRsa(base.spki.signature, sig, message));
    assert.ok(!(await verifyRsa(base.spki.signature, sig, new TextEncoder().encode('other'))));
  });

  it('wrong PINs report tries left, then the lock', async () => {
    const { card } = await client();
    const di = digestInfoSha256(new Uint8Array(32));
    await assert.rejects(
      card.sign('authentication', '0000', di),
      code('CHIP_PIN_WRONG', { sw: 0x63c2, triesLeft: 2 }),
    );
    assert.equal(await card.triesLeft('authentication'), 2);
    await assert.rejects(card.verifyPin('authentication', '0000'), code('CHIP_PIN_WRONG', { triesLeft: 1 }));
    await assert.rejects(card.verifyPin('authentication', '0000'), code('CHIP_PIN_LOCKED', { triesLeft: 0 }));
    await assert.rejects(card.verifyPin('authentication', '1234'), code('CHIP_PIN_LOCKED', { sw: 0x6983 }));
    assert.equal(await card.triesLeft('authentication'), 0);
  });

  it('checks the PIN format before spending a try', async () => {
    const { chip, card, log } = await client();
    await assert.rejects(card.verifyPin('authentication', '12345'), code('CHIP_PIN_FORMAT'));
    await assert.rejects(card.verifyPin('signature', 'abc'), code('CHIP_PIN_FORMAT'));
    await assert.rejects(card.readNumber('12a4'), code('CHIP_PIN_FORMAT'));
    assert.equal(log.length, 0);
    assert.equal(chip.pinStatus('authentication').triesLeft, 3);
  });

  it('changes a PIN after verifying the current one', async () => {
    const { card } = await client();
    await card.changePin('signature', 'abc123', 'newpass99');
    await assert.rejects(card.verifyPin('signature', 'ABC123'), code('CHIP_PIN_WRONG', { triesLeft: 4 }));
    await card.verifyPin('signature', 'NEWPASS99');
    await assert.rejects(
      card.changePin('text-collation-a', CONTENT.number, '111111111111'),
      code('CHIP_ARGUMENT'),
    );
    await assert.rejects(card.changePin('text', '5678', '12'), code('CHIP_PIN_FORMAT'));
  });
});

describe('card client: text and image APs', () => {
  it('chained read: number with the text PIN, then the full face with it as collation A', async () => {
    const { card } = await client();
    const number = await card.readNumber('5678');
    assert.equal(number, CONTENT.number);
    const face = await card.readFace({ collationA: number });
    assert.deepEqual(face, {
      name: CONTENT.name,
      address: CONTENT.address,
      birthDate: CONTENT.birthDate,
      sex: CONTENT.sex,
      expiry: CONTENT.expiry,
      photo: CONTENT.photo,
      number: CONTENT.number,
    });
  });

  it('collation B reads the basic four and the face, but no number', async () => {
    const { card } = await client();
    const four = {
      name: CONTENT.name,
      address: CONTENT.address,
      birthDate: CONTENT.birthDate,
      sex: CONTENT.sex,
    };
    assert.deepEqual(await card.readBasicFour({ collationB: COLLATION_B }), four);
    assert.deepEqual(await card.readBasicFour({ pin: '5678' }), four);
    assert.deepEqual(await card.readBasicFour({ collationA: CONTENT.number }), four);
    const face = await card.readFace({ collationB: COLLATION_B });
    assert.equal(face.number, undefined);
    assert.equal(face.name, CONTENT.name);
    await assert.rejects(
      card.readFace({ collationB: '80041220349999' }),
      code('CHIP_PIN_WRONG', { triesLeft: 2 }),
    );
  });

  it('a photo-less card gives no photo', async () => {
    const { photo: _, ...noPhoto } = CONTENT;
    const { file } = await personalize({ content: noPhoto, cardId: 'baby' });
    const card = createCardClient(await VirtualChip.open(file, CARD_KEY));
    const face = await card.readFace({ collationB: COLLATION_B });
    assert.equal('photo' in face, false);
  });
});

describe('card client: other readers', () => {
  /** A scripted reader: answers 9000 to everything and serves one file for READ BINARY. */
  const scripted = (file: Uint8Array): CardReader => ({
    async transmit(apdu) {
      const c = parseCommandApdu(apdu);
      if (c.ins !== 0xb0) return Uint8Array.from([0x90, 0x00]);
      const offset = (c.p1 << 8) | c.p2;
      return Uint8Array.from([...file.subarray(offset, offset + c.le!), 0x90, 0x00]);
    },
  });

  it("reads a real card's My Number file (FF 10 0C, padded)", async () => {
    const file = Uint8Array.from([0xff, 0x10, 0x0c, ...new TextEncoder().encode('123456789018'), 0xff, 0xff]);
    assert.equal(await createCardClient(scripted(file)).readNumber('1234'), '123456789018');
  });

  it('turns broken answers into CHIP_RESPONSE', async () => {
    const short: CardReader = { transmit: async () => Uint8Array.from([0x90]) };
    await assert.rejects(createCardClient(short).readToken(), code('CHIP_RESPONSE'));
    const odd: CardReader = { transmit: async () => Uint8Array.from([0x6a, 0x88]) };
    await assert.rejects(createCardClient(odd).readToken(), code('CHIP_RESPONSE', { sw: 0x6a88 }));
    const missing: CardReader = { transmit: async () => Uint8Array.from([0x6a, 0x82]) };
    await assert.rejects(createCardClient(missing).readToken(), code('CHIP_NOT_FOUND'));
    // Header promises 300 bytes, the file ends after 10.
    const truncated = scripted(Uint8Array.from([0x30, 0x82, 0x01, 0x2c, 1, 2, 3, 4, 5, 6]));
    await assert.rejects(createCardClient(truncated).readCaCertificate('signature'), code('CHIP_RESPONSE'));
  });
});
