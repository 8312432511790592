import 'reflect-metadata';
import { createHash } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Signer } from './key-store.ts';

/*
 * Certificates and CRLs are assembled with pkijs and signed through a KeyStore Signer:
 * the to-be-signed part is encoded, handed to the signer (which may be an HSM), and the
 * signature set on the structure. Extension values come from @peculiar/x509's typed
 * extension classes; nothing here writes DER by hand.
 */
x509.cryptoProvider.set(globalThis.crypto);

export const OID = {
  sha256WithRsa: '1.2.840.113549.1.1.11',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  subjectAltName: '2.5.29.17',
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
} as const;

/**
 * Myna's own certificate-policy arc: a UUID OID (ITU-T X.667, `2.25.<uuid>`), which
 * anyone may mint and nobody will mistake for the real JPKI policies (those live under
 * 1.2.392.200149.8.5.1). `.1.1` signature certificates, `.1.2` authentication ones.
 */
export const MYNA_ARC = '2.25.76031230199616812671565888916537270741';
export const POLICY_OIDS = {
  signature: `${MYNA_ARC}.1.1`,
  authentication: `${MYNA_ARC}.1.2`,
} as const;

export function sha256WithRsa(): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({
    algorithmId: OID.sha256WithRsa,
    algorithmParams: new asn1js.Null(),
  });
}

/** Whole seconds: DER times carry no fractions, and stored times must match the certificate. */
export function toSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
export function asnTime(date: Date): pkijs.Time {
  const type = date.getUTCFullYear() < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime;
  return new pkijs.Time({ type, value: toSeconds(date) });
}

/**
 * One whole DER/BER value, or undefined. asn1js reports most damage as offset -1 but
 * throws on some (a malformed time string), so both end here.
 */
export function parseDer(bytes: Uint8Array): asn1js.AsnType | undefined {
  try {
    const parsed = asn1js.fromBER(bytes);
    return parsed.offset === -1 || parsed.offset !== bytes.byteLength ? undefined : parsed.result;
  } catch {
    return undefined;
  }
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `AB:CD:…` SHA-256 fingerprint, as `openssl x509 -fingerprint -sha256` prints it. */
export function fingerprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

export function sha256Hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

export function nameFromString(dn: string): pkijs.RelativeDistinguishedNames {
  return pkijs.RelativeDistinguishedNames.fromBER(new x509.Name(dn).toArrayBuffer());
}

/** The BIT STRING payload of a SubjectPublicKeyInfo, which key identifiers and OCSP hash. */
export function subjectPublicKeyBits(info: pkijs.PublicKeyInfo): Uint8Array {
  return info.subjectPublicKey.valueBlock.valueHexView;
}

/** Key identifier, RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(info: pkijs.PublicKeyInfo): string {
  return createHash('sha1').update(subjectPublicKeyBits(info)).digest('hex');
}

export function extension(ext: x509.Extension): pkijs.Extension {
  return pkijs.Extension.fromBER(ext.rawData);
}

export function rawExtension(extnID: string, critical: boolean, value: Uint8Array): pkijs.Extension {
  return extension(new x509.Extension(extnID, critical, value));
}

export function serialInteger(serialHex: string): asn1js.Integer {
  return new asn1js.Integer({ valueHex: Buffer.from(serialHex, 'hex') });
}

export interface CertificateParams {
  readonly serial: string;
  readonly issuer: pkijs.RelativeDistinguishedNames;
  readonly subject: pkijs.RelativeDistinguishedNames;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: pkijs.PublicKeyInfo;
  readonly extensions: pkijs.Extension[];
}

export async function signCertificate(params: CertificateParams, signer: Signer): Promise<Uint8Array> {
  const cert = new pkijs.Certificate({
    version: 2,
    serialNumber: serialInteger(params.serial),
    signature: sha256WithRsa(),
    issuer: params.issuer,
    subject: params.subject,
    notBefore: asnTime(params.notBefore),
    notAfter: asnTime(params.notAfter),
    subjectPublicKeyInfo: params.publicKey,
    extensions: params.extensions,
    signatureAlgorithm: sha256WithRsa(),
  });
  cert.tbsView = new Uint8Array(cert.encodeTBS().toBER());
  cert.signatureValue = new asn1js.BitString({ valueHex: await signer.sign(cert.tbsView) });
  return new Uint8Array(cert.toSchema().toBER());
}

export interface CrlEntry {
  readonly serial: string;
  readonly revokedAt: Date;
  /** RFC 5280 CRLReason code; 0 (unspecified) is left out, as §5.3.1 advises. */
  readonly reasonCode: number;
}

export interface CrlParams {
  readonly issuer: pkijs.RelativeDistinguishedNames;
  readonly issuerKeyId: string;
  readonly number: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly entries: readonly CrlEntry[];
}

/** pkijs keeps a CRL's TBS encoder protected; its public sign() wants a WebCrypto key. */
class SignableCrl extends pkijs.CertificateRevocationList {
  encodeToBeSigned(): Uint8Array {
    return new Uint8Array(this.encodeTBS().toBER());
  }
}

export async function signCrl(params: CrlParams, signer: Signer): Promise<Uint8Array> {
  const crl = new SignableCrl({
    version: 1,
    signature: sha256WithRsa(),
    issuer: params.issuer,
    thisUpdate: asnTime(params.thisUpdate),
    nextUpdate: asnTime(params.nextUpdate),
    crlExtensions: new pkijs.Extensions({
      extensions: [
        extension(new x509.AuthorityKeyIdentifierExtension(params.issuerKeyId)),
        rawExtension(
          OID.crlNumber,
          false,
          new Uint8Array(new asn1js.Integer({ value: params.number }).toBER()),
        ),
      ],
    }),
    signatureAlgorithm: sha256WithRsa(),
  });
  if (params.entries.length > 0) {
    crl.revokedCertificates = params.entries.map(
      (e) =>
        new pkijs.RevokedCertificate({
          userCertificate: serialInteger(e.serial),
          revocationDate: asnTime(e.revokedAt),
          ...(e.reasonCode === 0
            ? {}
            : {
                crlEntryExtensions: new pkijs.Extensions({
                  extensions: [
                    rawExtension(
                      OID.crlReason,
                      false,
                      new Uint8Array(new asn1js.Enumerated({ value: e.reasonCode }).toBER()),
                    ),
                  ],
                }),
              }),
        }),
    );
  }
  crl.tbsView = crl.encodeToBeSigned();
  crl.signatureValue = new asn1js.BitString({ valueHex: await signer.sign(crl.tbsView) });
  return new Uint8Array(crl.toSchema().toBER());
}
