import { type CardReader, createCardClient, digestInfoSha256 } from '../chip/index.ts';
import { signCms } from '../pki/index.ts';

/**
 * What a holder does with their card, over any card reader: sign a document (a CMS
 * detached signature made by the chip's signature key) and answer an authentication
 * challenge (the chip signs it with the authentication key).
 */
export async function signDocument(
  reader: CardReader,
  password: string,
  content: Uint8Array,
  signingTime: Date,
): Promise<Uint8Array> {
  const card = createCardClient(reader);
  const certificate = await card.readCertificate('signature', password);
  const ca = await card.readCaCertificate('signature');
  return signCms({
    content,
    signerCertificate: certificate,
    chain: [ca],
    signingTime,
    signDigestInfo: (digestInfo) => card.sign('signature', password, digestInfo),
  });
}

export async function answerChallenge(
  reader: CardReader,
  pin: string,
  challenge: Uint8Array,
): Promise<{ certificate: Uint8Array; signature: Uint8Array }> {
  const card = createCardClient(reader);
  const certificate = await card.readCertificate('authentication');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', challenge));
  const signature = await card.sign('authentication', pin, digestInfoSha256(digest));
  return { certificate, signature };
}
