/** Shared fixtures for the chip tests: a personalized card, kept as a card file and opened fresh per test. */
import * as asn1js from 'asn1js';
import type { ChipContent } from './card-content.ts';
import { VirtualChip } from './virtual-chip.ts';

export const ISSUER_KEY = new Uint8Array(32).fill(7);
export const CARD_KEY = new Uint8Array(32).fill(9);
export const PINS_SET = { signature: 'ABC123', authentication: '1234', text: '5678' } as const;

/** Any single DER SEQUENCE will do as a certificate: the client only reads its length. */
export function fakeCertificate(label: string, size = 1500): Uint8Array {
  const filler = new Uint8Array(size).map((_, i) => (i * 31 + label.length) & 0xff);
  const seq = new asn1js.Sequence({
    value: [new asn1js.Utf8String({ value: label }), new asn1js.OctetString({ valueHex: filler })],
  });
  return new Uint8Array(seq.toBER());
}

export const PHOTO = new Uint8Array(3000).map((_, i) =>
  i < 4 ? [0xff, 0xd8, 0xff, 0xe0][i]! : (i * 7) & 0xff,
);

export const CONTENT: ChipContent = {
  signatureCertificate: fakeCertificate('signature'),
  signatureCaCertificate: fakeCertificate('signature CA', 900),
  authenticationCertificate: fakeCertificate('authentication'),
  authenticationCaCertificate: fakeCertificate('authentication CA', 900),
  number: '123456789018',
  name: '山田 太郎',
  address: '東京都千代田区永田町一丁目7番1号',
  birthDate: '19800412',
  sex: '1',
  expiry: '20340412',
  securityCode: '4321',
  photo: PHOTO,
};
/** birth YYMMDD + expiry YYYY + security code */
export const COLLATION_B = '80041220344321';

export interface Personalized {
  readonly file: Uint8Array;
  readonly spki: { signature: Uint8Array; authentication: Uint8Array };
}

export async function personalize(
  options: { content?: ChipContent; signature?: boolean; cardId?: string } = {},
): Promise<{ chip: VirtualChip } & Personalized> {
  const withSignature = options.signature ?? true;
  const chip = await VirtualChip.create({ issuerKey: ISSUER_KEY, cardId: options.cardId ?? 'card-0001' });
  const authentication = await chip.generateKeyPair(ISSUER_KEY, 'authentication');
  const signature = withSignature ? await chip.generateKeyPair(ISSUER_KEY, 'signature') : new Uint8Array(0);
  let content = options.content ?? CONTENT;
  if (!withSignature) {
    const { signatureCertificate: _a, signatureCaCertificate: _b, ...rest } = content;
    content = rest;
  }
  await chip.writeContent(ISSUER_KEY, content);
  if (withSignature) await chip.setPin(ISSUER_KEY, 'signature', PINS_SET.signature);
  await chip.setPin(ISSUER_KEY, 'authentication', PINS_SET.authentication);
  await chip.setPin(ISSUER_KEY, 'text', PINS_SET.text);
  await chip.finalize(ISSUER_KEY);
  return { chip, file: await chip.save(CARD_KEY), spki: { signature, authentication } };
}

export const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
export const swOf = (r: Uint8Array): string =>
  Buffer.from(r.subarray(r.length - 2))
    .toString('hex')
    .toUpperCase();
export const dataOf = (r: Uint8Array): Uint8Array => r.subarray(0, r.length - 2);

/** Sends a hex APDU and returns the status word as hex plus the data. */
export async function send(chip: { transmit(a: Uint8Array): Promise<Uint8Array> }, apdu: string) {
  const r = await chip.transmit(hex(apdu));
  return { sw: swOf(r), data: dataOf(r) };
}

export async function verifyRsa(
  spki: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
  hash = 'SHA-256',
) {
  const key = await crypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash }, false, [
    'verify',
  ]);
  return crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, message);
}
