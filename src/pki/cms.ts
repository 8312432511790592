/**
 * CMS (RFC 5652) detached signatures, as made with a My Number card's signature key.
 *
 * The card only signs a DER DigestInfo it is handed (COMPUTE DIGITAL SIGNATURE), so signing
 * builds the signed attributes here, hashes them, and asks `signDigestInfo` for the raw
 * RSASSA-PKCS1-v1_5 value. Verification follows the "chain model": every certificate on the
 * path must have been valid, and the signer not revoked, at the signing time the signer claims.
 */
import 'reflect-metadata';
import { createHash, type KeyObject, X509Certificate as NodeCertificate, verify } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AppError } from '../core/index.ts';

export interface CmsSignInput {
  /** The document; it is not embedded (detached signature). */
  content: Uint8Array;
  /** DER. */
  signerCertificate: Uint8Array;
  /** Intermediate CA certificates (DER) to embed. */
  chain: Uint8Array[];
  signingTime: Date;
  /** Raw RSASSA-PKCS1-v1_5 over the DER DigestInfo (SHA-256 of the DER signed attributes). */
  signDigestInfo(digestInfo: Uint8Array): Promise<Uint8Array>;
}

export type CertificateStatus = 'good' | 'revoked' | 'unknown';

export interface CmsVerifyInput {
  /** DER, or PEM ("-----BEGIN CMS-----" / "-----BEGIN PKCS7-----"). */
  signature: Uint8Array;
  content: Uint8Array;
  /** Root CA certificates (DER). */
  trustAnchors: Uint8Array[];
  /** Extra CA certificates (DER), besides those embedded in the signature. */
  intermediates?: Uint8Array[];
  /** Revocation status of the signer certificate at `at` (the signing time). */
  status(certificate: { serial: string; issuer: string }, at: Date): Promise<CertificateStatus>;
  now: Date;
}

export interface CmsSigner {
  /** Lowercase hex, without leading zero octets. */
  serial: string;
  /** RFC 4514 style, e.g. `CN=…, O=…, C=JP`. */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  der: Uint8Array;
}

export interface CmsVerification {
  signingTime: Date;
  signer: CmsSigner;
}

export interface CmsSummary {
  /** True when the signed content is not embedded. */
  detached: boolean;
  contentType: string;
  certificates: Uint8Array[];
  signers: Array<{
    /** Set when the signer is named by issuer and serial number. */
    serial?: string;
    issuer?: string;
    /** Set when the signer is named by subject key identifier (lowercase hex). */
    subjectKeyIdentifier?: string;
    digestAlgorithm: string;
    signingTime?: Date;
  }>;
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

const DIGESTS: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** RSA signature algorithm identifiers a SignerInfo may carry, with the hash they imply (if any). */
const RSA_SIGNATURES: Record<string, string | undefined> = {
  '1.2.840.113549.1.1.1': undefined,
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

/** How far a signer may claim to be ahead of our clock. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** Longest CA chain we try to build (intermediates only). */
const MAX_INTERMEDIATES = 8;

// ---------------------------------------------------------------- signing

export async function signCms(input: CmsSignInput): Promise<Uint8Array> {
  const signer = parseCertificate(input.signerCertificate, 'signer certificate');
  const chain = input.chain.map((der, i) => parseCertificate(der, `chain[${i}]`));

  const attributes = [
    new pkijs.Attribute({
      type: OID.contentType,
      values: [new asn1js.ObjectIdentifier({ value: OID.data })],
    }),
    new pkijs.Attribute({ type: OID.signingTime, values: [encodeTime(input.signingTime)] }),
    new pkijs.Attribute({
      type: OID.messageDigest,
      values: [new asn1js.OctetString({ valueHex: sha256(input.content) })],
    }),
    signingCertificateV2(signer),
  ];
  // SET OF must be in DER order, or verifiers that re-encode (OpenSSL does) hash other bytes.
  const encoded = attributes
    .map((a) => ({ a, der: new Uint8Array(a.toSchema().toBER()) }))
    .sort((x, y) => Buffer.compare(x.der, y.der))
    .map((x) => x.a);
  const signedAttrsDer = new Uint8Array(new asn1js.Set({ value: encoded.map((a) => a.toSchema()) }).toBER());

  const digestInfo = new pkijs.DigestInfo({
    digestAlgorithm: sha256Algorithm(),
    digest: new asn1js.OctetString({ valueHex: sha256(signedAttrsDer) }),
  });
  const signature = await input.signDigestInfo(new Uint8Array(digestInfo.toSchema().toBER()));
  // A card whose key does not match the certificate would yield a CMS nobody can verify.
  if (!verify('sha256', signedAttrsDer, signer.node.publicKey, signature))
    throw new AppError(
      'CMS_SIGNER_MISMATCH',
      'invalid',
      'The signature does not verify with the signer certificate: the card key and the certificate do not match',
    );

  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({
      issuer: signer.pkijs.issuer,
      serialNumber: signer.pkijs.serialNumber,
    }),
    digestAlgorithm: sha256Algorithm(),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: encoded }),
    signatureAlgorithm: new pkijs.AlgorithmIdentifier({
      algorithmId: OID.rsaEncryption,
      algorithmParams: new asn1js.Null(),
    }),
    signature: new asn1js.OctetString({ valueHex: signature }),
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [sha256Algorithm()],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: [signer.pkijs, ...chain.map((c) => c.pkijs)],
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({
    contentType: OID.signedData,
    content: signedData.toSchema(true),
  });
  return new Uint8Array(contentInfo.toSchema().toBER());
}

/** ESS signing-certificate-v2 (RFC 5035): binds the signer certificate itself into the signature. */
function signingCertificateV2(signer: ParsedCertificate): pkijs.Attribute {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new pkijs.GeneralNames({
        names: [new pkijs.GeneralName({ type: 4, value: signer.pkijs.issuer })],
      }).toSchema(),
      signer.pkijs.serialNumber,
    ],
  });
  // hashAlgorithm is omitted: SHA-256 is its DEFAULT.
  const essCertId = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: sha256(signer.der) }), issuerSerial],
  });
  return new pkijs.Attribute({
    type: OID.signingCertificateV2,
    values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertId] })] })],
  });
}

/** RFC 5652 §11.3: UTCTime for 1950–2049, GeneralizedTime otherwise; whole seconds. */
function encodeTime(at: Date): asn1js.UTCTime | asn1js.GeneralizedTime {
  if (Number.isNaN(at.getTime()))
    throw new AppError('CMS_SIGNING_TIME_INVALID', 'invalid', 'The signing time is not a valid date');
  const valueDate = new Date(Math.floor(at.getTime() / 1000) * 1000);
  const year = valueDate.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? new asn1js.UTCTime({ valueDate })
    : new asn1js.GeneralizedTime({ valueDate });
}

function sha256Algorithm(): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() });
}

// ---------------------------------------------------------------- parsing

interface ParsedCertificate {
  der: Uint8Array;
  pkijs: pkijs.Certificate;
  node: NodeCertificate;
  x509: x509.X509Certificate;
}

/**
 * Parsed certificates by SHA-256 of their DER. Parsing with pkijs/@peculiar/x509 costs
 * milliseconds, and the same roots and CA certificates come back in every verification.
 * Keyed by content, so a hit is always the same certificate; entries are never mutated.
 */
const parsedCache = new Map<string, ParsedCertificate>();
const PARSED_CACHE_SIZE = 512;

function parseCertificate(
  der: Uint8Array,
  what: string,
  code: 'CMS_CERTIFICATE_MALFORMED' | 'CMS_MALFORMED' = 'CMS_CERTIFICATE_MALFORMED',
): ParsedCertificate {
  const key = Buffer.from(sha256(der)).toString('base64');
  const hit = parsedCache.get(key);
  if (hit) return hit;
  let parsed: ParsedCertificate;
  try {
    const copy = new Uint8Array(der);
    parsed = {
      der: copy,
      pkijs: pkijs.Certificate.fromBER(copy),
      node: new NodeCertificate(copy),
      x509: new x509.X509Certificate(copy),
    };
  } catch (cause) {
    throw new AppError(code, 'invalid', `The ${what} is not a DER X.509 certificate`, { cause });
  }
  if (parsedCache.size >= PARSED_CACHE_SIZE) parsedCache.delete(parsedCache.keys().next().value!);
  parsedCache.set(key, parsed);
  return parsed;
}

function malformed(message: string, cause?: unknown): AppError {
  return new AppError('CMS_MALFORMED', 'invalid', message, cause === undefined ? {} : { cause });
}

/** DER as is; PEM (CMS or PKCS7 label) decoded. */
function toDer(bytes: Uint8Array): Uint8Array {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1').trimStart();
  if (!head.startsWith('-----BEGIN')) return bytes;
  const text = Buffer.from(bytes).toString('latin1');
  const m = /-----BEGIN (CMS|PKCS7)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m?.[2]) throw malformed('PEM input is not a CMS or PKCS7 block');
  const body = m[2].replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw malformed('PEM body is not base64');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

interface ParsedCms {
  signedData: pkijs.SignedData;
  /** DER of the embedded X.509 certificates, as transmitted. */
  certificates: Uint8Array[];
}

function parseSignedData(bytes: Uint8Array): ParsedCms {
  const der = toDer(bytes);
  try {
    // Work on a copy: pkijs rewrites the signed-attributes tag in the buffer it decodes.
    const copy = new Uint8Array(der);
    const asn1 = asn1js.fromBER(copy);
    if (asn1.offset === -1 || asn1.offset !== copy.byteLength) throw malformed('Not a DER CMS structure');
    const info = new pkijs.ContentInfo({ schema: asn1.result });
    if (info.contentType !== OID.signedData) throw malformed('The CMS is not SignedData');
    if (!(info.content instanceof asn1js.Sequence)) throw malformed('SignedData is not a SEQUENCE');
    // The certificate set is lifted out before pkijs maps SignedData: its schema match over whole
    // certificates costs milliseconds, and the certificates are parsed (and cached) on their own.
    const items = info.content.valueBlock.value;
    const at = items.findIndex((b) => b.idBlock.tagClass === 3 && b.idBlock.tagNumber === 0);
    const certificates: Uint8Array[] = [];
    if (at >= 0) {
      const set = items[at];
      if (!(set instanceof asn1js.Constructed)) throw malformed('The certificate set is not constructed');
      // Other choices (attribute certificates, other formats) are context-tagged: not signers.
      for (const choice of set.valueBlock.value)
        if (choice instanceof asn1js.Sequence)
          certificates.push(new Uint8Array(choice.valueBeforeDecodeView));
      items.splice(at, 1);
    }
    const signedData = new pkijs.SignedData({ schema: info.content });
    if (signedData.signerInfos.length === 0) throw malformed('The CMS has no signer');
    return { signedData, certificates };
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw malformed('The signature is not a parseable CMS SignedData', e);
  }
}

function attribute(info: pkijs.SignerInfo, type: string): unknown[] | undefined {
  const found = info.signedAttrs?.attributes.filter((a) => a.type === type) ?? [];
  if (found.length > 1) throw malformed(`Signed attribute ${type} appears more than once`);
  return found[0]?.values;
}

function singleValue(info: pkijs.SignerInfo, type: string, name: string): unknown {
  const values = attribute(info, type);
  if (values === undefined) return undefined;
  if (values.length !== 1) throw malformed(`The ${name} attribute must have exactly one value`);
  return values[0];
}

function signingTimeOf(info: pkijs.SignerInfo): Date | undefined {
  const value = singleValue(info, OID.signingTime, 'signingTime');
  if (value === undefined) return undefined;
  // GeneralizedTime extends UTCTime in asn1js.
  if (!(value instanceof asn1js.UTCTime)) throw malformed('signingTime is not a time');
  const at = value.toDate();
  if (Number.isNaN(at.getTime())) throw malformed('signingTime is not a valid time');
  return at;
}

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex');
}

function serialHex(serial: asn1js.Integer): string {
  return hex(serial.valueBlock.valueHexView).replace(/^(00)+(?=.)/, '');
}

/** Summarizes a CMS SignedData without verifying anything. Throws CMS_MALFORMED. */
export function parseCms(bytes: Uint8Array): CmsSummary {
  const { signedData, certificates } = parseSignedData(bytes);
  try {
    return {
      detached: signedData.encapContentInfo.eContent === undefined,
      contentType: signedData.encapContentInfo.eContentType,
      certificates,
      signers: signedData.signerInfos.map((info) => {
        const signingTime = signingTimeOf(info);
        const sid = info.sid;
        const who =
          sid instanceof pkijs.IssuerAndSerialNumber
            ? { serial: serialHex(sid.serialNumber), issuer: nameString(sid.issuer) }
            : { subjectKeyIdentifier: hex(subjectKeyIdentifierOf(sid)) };
        return {
          ...who,
          digestAlgorithm: info.digestAlgorithm.algorithmId,
          ...(signingTime === undefined ? {} : { signingTime }),
        };
      }),
    };
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw malformed('The CMS SignerInfo is not parseable', e);
  }
}

function nameString(name: pkijs.RelativeDistinguishedNames): string {
  return new x509.Name(name.toSchema().toBER()).toString();
}

/** The [0] SubjectKeyIdentifier choice of a SignerIdentifier. */
function subjectKeyIdentifierOf(sid: unknown): Uint8Array {
  if (sid instanceof asn1js.BaseBlock) {
    const block = sid as asn1js.BaseBlock<asn1js.ValueBlock>;
    const view = (block.valueBlock as { valueHexView?: Uint8Array }).valueHexView;
    if (view) return view;
    // Constructed [0] wrapping an OCTET STRING.
    const inner = (block.valueBlock as { value?: unknown[] }).value?.[0];
    if (inner instanceof asn1js.OctetString) return inner.valueBlock.valueHexView;
  }
  throw malformed('Unsupported SignerIdentifier');
}

// ---------------------------------------------------------------- verification

export async function verifyCms(input: CmsVerifyInput): Promise<CmsVerification> {
  const { signedData, certificates } = parseSignedData(input.signature);
  if (signedData.signerInfos.length !== 1) throw malformed('Expected exactly one signer');
  const info = signedData.signerInfos[0]!;

  // Signed attributes: everything below hangs on them, so a CMS without them is refused.
  const extracted = extractSigned(signedData, info);
  const { digestName, signingTime, messageDigest, signedAttrsDer } = extracted;

  if (signingTime.getTime() > input.now.getTime() + CLOCK_SKEW_MS)
    throw new AppError(
      'CMS_SIGNING_TIME_INVALID',
      'invalid',
      `The signing time ${signingTime.toISOString()} lies in the future`,
    );

  const embedded = signedData.encapContentInfo.eContent;
  if (embedded !== undefined && Buffer.compare(Buffer.from(embedded.getValue()), input.content) !== 0)
    throw new AppError(
      'CMS_CONTENT_MISMATCH',
      'invalid',
      'The embedded content differs from the given document',
    );
  if (!Buffer.from(hash(digestName, input.content)).equals(Buffer.from(messageDigest)))
    throw new AppError(
      'CMS_CONTENT_MISMATCH',
      'invalid',
      'The document does not match the signature (messageDigest differs)',
    );

  const embeddedCerts = certificates.map((der) =>
    parseCertificate(der, 'embedded certificate', 'CMS_MALFORMED'),
  );
  const extra = (input.intermediates ?? []).map((der, i) => parseCertificate(der, `intermediates[${i}]`));
  const anchors = input.trustAnchors.map((der, i) => parseCertificate(der, `trustAnchors[${i}]`));
  const pool = [...embeddedCerts, ...extra];

  const signer = findSigner(info, pool);
  if (!signer) throw malformed('The signer certificate is neither embedded nor given');

  if (!verifySignature(signer.node.publicKey, digestName, signedAttrsDer, extracted.signature))
    throw new AppError(
      'CMS_SIGNATURE_INVALID',
      'invalid',
      'The signature over the signed attributes does not verify',
    );
  checkSigningCertificateV2(info, signer);

  const usage = signer.x509.getExtension(x509.KeyUsagesExtension);
  const wanted = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation;
  if (!usage || (usage.usages & wanted) === 0)
    throw new AppError(
      'CMS_KEY_USAGE',
      'invalid',
      'The signer certificate is not for signatures (needs digitalSignature or nonRepudiation)',
    );

  const path = buildPath(signer, dedupe(pool), anchors);
  if (!path)
    throw new AppError('CMS_UNTRUSTED', 'invalid', 'The signer certificate does not chain to a trusted root');
  for (const cert of path) {
    const { notBefore, notAfter } = cert.x509;
    if (signingTime < notBefore || signingTime > notAfter)
      throw new AppError(
        'CMS_CERT_EXPIRED',
        'invalid',
        cert === signer
          ? `The signer certificate was not valid at the signing time ${signingTime.toISOString()}`
          : `CA certificate ${cert.x509.subject} was not valid at the signing time ${signingTime.toISOString()}`,
      );
  }

  const serial = signer.x509.serialNumber.toLowerCase();
  const status = await input.status({ serial, issuer: signer.x509.issuer }, signingTime);
  if (status === 'revoked')
    throw new AppError('CMS_REVOKED', 'invalid', 'The signer certificate was revoked at the signing time');
  if (status !== 'good')
    throw new AppError(
      'CMS_STATUS_UNKNOWN',
      'invalid',
      'The revocation status of the signer certificate is unknown',
    );

  return {
    signingTime,
    signer: {
      serial,
      subject: signer.x509.subject,
      issuer: signer.x509.issuer,
      notBefore: signer.x509.notBefore,
      notAfter: signer.x509.notAfter,
      der: new Uint8Array(signer.der),
    },
  };
}

interface SignedParts {
  digestName: string;
  signingTime: Date;
  messageDigest: Uint8Array;
  signedAttrsDer: Uint8Array;
  signature: Uint8Array;
}

function extractSigned(signedData: pkijs.SignedData, info: pkijs.SignerInfo): SignedParts {
  try {
    const digestName = DIGESTS[info.digestAlgorithm.algorithmId];
    if (!digestName)
      throw new AppError(
        'CMS_ALGORITHM_UNSUPPORTED',
        'invalid',
        `Digest algorithm ${info.digestAlgorithm.algorithmId} is not supported (SHA-256/384/512 only)`,
      );
    const sigAlg = info.signatureAlgorithm.algorithmId;
    if (!(sigAlg in RSA_SIGNATURES) || (RSA_SIGNATURES[sigAlg] ?? digestName) !== digestName)
      throw new AppError(
        'CMS_ALGORITHM_UNSUPPORTED',
        'invalid',
        `Signature algorithm ${sigAlg} is not supported with ${digestName} (RSA PKCS#1 v1.5 only)`,
      );
    if (!info.signedAttrs || info.signedAttrs.attributes.length === 0)
      throw malformed('The signer has no signed attributes');

    const contentType = singleValue(info, OID.contentType, 'contentType');
    if (
      !(contentType instanceof asn1js.ObjectIdentifier) ||
      contentType.valueBlock.toString() !== signedData.encapContentInfo.eContentType
    )
      throw malformed('The contentType attribute is missing or differs from the content');

    const messageDigest = singleValue(info, OID.messageDigest, 'messageDigest');
    if (!(messageDigest instanceof asn1js.OctetString))
      throw malformed('The messageDigest attribute is missing');

    const signingTime = signingTimeOf(info);
    if (!signingTime)
      throw new AppError('CMS_SIGNING_TIME_INVALID', 'invalid', 'The signature carries no signingTime');

    return {
      digestName,
      signingTime,
      messageDigest: messageDigest.valueBlock.valueHexView,
      // The bytes as transmitted, with the SET tag (RFC 5652 §5.4).
      signedAttrsDer: new Uint8Array(info.signedAttrs.encodedValue),
      signature: info.signature.valueBlock.valueHexView,
    };
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw malformed('The CMS SignerInfo is not parseable', e);
  }
}

function findSigner(info: pkijs.SignerInfo, pool: ParsedCertificate[]): ParsedCertificate | undefined {
  const sid = info.sid;
  if (sid instanceof pkijs.IssuerAndSerialNumber)
    return pool.find(
      (c) => c.pkijs.issuer.isEqual(sid.issuer) && c.pkijs.serialNumber.isEqual(sid.serialNumber),
    );
  const ski = Buffer.from(subjectKeyIdentifierOf(sid));
  return pool.find((c) => {
    const ext = c.x509.getExtension(x509.SubjectKeyIdentifierExtension);
    return ext !== null && Buffer.from(ext.keyId, 'hex').equals(ski);
  });
}

function checkSigningCertificateV2(info: pkijs.SignerInfo, signer: ParsedCertificate): void {
  const value = singleValue(info, OID.signingCertificateV2, 'signingCertificateV2');
  if (value === undefined) return;
  try {
    const certs = (value as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
    const first = certs.valueBlock.value[0] as asn1js.Sequence;
    const parts = first.valueBlock.value;
    let algorithm = OID.sha256 as string;
    let index = 0;
    if (parts[0] instanceof asn1js.Sequence) {
      algorithm = new pkijs.AlgorithmIdentifier({ schema: parts[0] }).algorithmId;
      index = 1;
    }
    const certHash = parts[index];
    const digestName = DIGESTS[algorithm];
    if (!(certHash instanceof asn1js.OctetString) || !digestName) throw new Error('bad ESSCertIDv2');
    if (!Buffer.from(hash(digestName, signer.der)).equals(Buffer.from(certHash.valueBlock.valueHexView)))
      throw new AppError(
        'CMS_SIGNER_MISMATCH',
        'invalid',
        'The signing-certificate attribute names a different certificate than the signer',
      );
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw malformed('The signingCertificateV2 attribute is not parseable', e);
  }
}

function verifySignature(
  key: KeyObject,
  digestName: string,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return key.asymmetricKeyType === 'rsa' && verify(digestName, data, key, signature);
  } catch {
    return false;
  }
}

function dedupe(certs: ParsedCertificate[]): ParsedCertificate[] {
  const seen = new Set<string>();
  return certs.filter((c) => {
    const key = hex(sha256(c.der));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `parent` names, authorizes (keyCertSign if KeyUsage is present) and signed `child`. */
function issued(parent: ParsedCertificate, child: ParsedCertificate): boolean {
  return child.node.checkIssued(parent.node) && child.node.verify(parent.node.publicKey);
}

/** Whether `ca` may sit above `below` non-leaf certificates in a path. */
function mayIssue(ca: ParsedCertificate, below: number, anchor: boolean): boolean {
  const bc = ca.x509.getExtension(x509.BasicConstraintsExtension);
  // A trust anchor is trusted by configuration; only a stated path length binds it.
  if (!bc) return anchor;
  if (!bc.ca) return false;
  return bc.pathLength === undefined || below <= bc.pathLength;
}

/**
 * Depth-first search from the signer up to a trust anchor. Every link's signature is
 * verified; the result runs signer → … → anchor.
 */
function buildPath(
  signer: ParsedCertificate,
  intermediates: ParsedCertificate[],
  anchors: ParsedCertificate[],
): ParsedCertificate[] | undefined {
  const walk = (path: ParsedCertificate[]): ParsedCertificate[] | undefined => {
    const current = path[path.length - 1]!;
    const below = path.length - 1;
    for (const anchor of anchors)
      if (mayIssue(anchor, below, true) && issued(anchor, current)) return [...path, anchor];
    if (below >= MAX_INTERMEDIATES) return undefined;
    for (const ca of intermediates) {
      if (path.includes(ca) || !mayIssue(ca, below, false) || !issued(ca, current)) continue;
      const found = walk([...path, ca]);
      if (found) return found;
    }
    return undefined;
  };
  return walk([signer]);
}

function sha256(data: Uint8Array): Uint8Array {
  return hash('sha256', data);
}

function hash(name: string, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(name).update(data).digest());
}
