import 'reflect-metadata';
import { createPublicKey, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as pkijs from 'pkijs';
import { AppError, type Clock, isAppError, jstDate } from '../core/index.ts';
import type { AnyDb, Store } from '../store/index.ts';
import { holderAltNames, validateHolder } from './holder.ts';
import type { KeyStore, Signer } from './key-store.ts';
import { createOcspResponder, type OcspRecord } from './ocsp.ts';
import { type PkiTables, pkiTables } from './pki-tables.ts';
import {
  type Authority,
  type AuthorityInfo,
  CA_NAMES,
  type CaName,
  type CertificateKind,
  type CertificateRecord,
  type CertificateRequest,
  type IssuedCertificate,
  REASON_CODE,
  type RevocationReason,
  type RevocationStatus,
} from './types.ts';
import {
  bufferOf,
  extension,
  fingerprint,
  keyIdentifier,
  nameFromString,
  OID,
  POLICY_OIDS,
  rawExtension,
  sha256Hex,
  signCertificate,
  signCrl,
  subjectPublicKeyBits,
  toSeconds,
} from './x509.ts';

export interface PkiOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly keyStore: KeyStore;
  /** Public base URL of this server (e.g. `http://127.0.0.1:8080`), written into CDP and AIA. */
  readonly baseUrl: string;
  /** How long an OCSP answer to a request without a nonce is reused; default 1000 ms. */
  readonly ocspCacheMs?: number;
}

export interface Pki {
  /** The key ceremony: creates the hierarchy once; later calls report it (`created: false`). */
  init(): Promise<{ created: boolean; authorities: AuthorityInfo[] }>;
  authorities(): Promise<AuthorityInfo[]>;
  /** The CA certificate, DER. */
  caCertificate(ca: CaName): Promise<Uint8Array>;
  /** The issuing CA's certificate, then the root's (DER), for a certificate of `kind`. */
  chain(kind: CertificateKind): Promise<Uint8Array[]>;
  issue(request: CertificateRequest, db?: AnyDb): Promise<IssuedCertificate>;
  /** Revokes for good (a certificate on hold may be revoked). `certificateHold` means {@link Pki.hold}. */
  revoke(serial: string, reason: RevocationReason, at: Date, db?: AnyDb): Promise<void>;
  /** Suspends (一時保留): revoked with reason certificateHold until released. */
  hold(serial: string, at: Date, db?: AnyDb): Promise<void>;
  /** Ends a suspension; the certificate is good again. */
  release(serial: string, at: Date, db?: AnyDb): Promise<void>;
  /** The status now, or at the instant `at` (e.g. when a document was signed). */
  status(serial: string, at?: Date, db?: AnyDb): Promise<RevocationStatus>;
  certificatesOf(cardId: string, db?: AnyDb): Promise<CertificateRecord[]>;
  /** One certificate by its serial (lower-case hex), or undefined if this CA never issued it. */
  certificate(serial: string, db?: AnyDb): Promise<CertificateRecord | undefined>;
  /** The CA's current CRL (v2, DER), reissued after each status change and every 12 hours. */
  crl(ca: CaName): Promise<Uint8Array>;
  /** Answers a DER OCSP request with a DER OCSP response; never throws. */
  ocsp(request: Uint8Array): Promise<Uint8Array>;
}

/** Issuer DNs modelled on the real JPKI's (DOMAIN §3.4), marked as Myna's. */
export const CA_SUBJECTS: Readonly<Record<CaName, string>> = {
  root: 'C=JP, O=JPKI, OU=Myna Root CA',
  signature: 'C=JP, O=JPKI, OU=JPKI for digital signature, OU=Myna Local Authority Information Systems',
  authentication:
    'C=JP, O=JPKI, OU=JPKI for user authentication, OU=Myna Local Authority Information Systems',
};
export const ROOT_YEARS = 30;
export const ISSUING_CA_YEARS = 20;
const CRL_VALIDITY_MS = 24 * 3_600_000;
const CRL_REISSUE_MS = 12 * 3_600_000;
const STATUS_RETRIES = 3;

type CertificateRow = PkiTables['pki_certificate'];

function addYears(date: Date, years: number): Date {
  const d = new Date(date);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

/** A random positive 128-bit serial, first byte 0x40–0x7f: positive and never shortened in DER. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes.toString('hex');
}

function isDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function inTransaction<T>(db: AnyDb, work: (trx: AnyDb) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

function notInitialized(): AppError {
  return new AppError(
    'PKI_NOT_INITIALIZED',
    'conflict',
    'the CA hierarchy has not been created yet (run the key ceremony)',
  );
}

function unknownCa(ca: string): AppError {
  return new AppError('PKI_UNKNOWN_CA', 'not-found', `no CA named ${JSON.stringify(ca)}`);
}

function info(a: Authority): AuthorityInfo {
  return {
    ca: a.ca,
    subject: a.subject,
    serial: a.serial,
    sha256: a.sha256,
    notBefore: a.notBefore,
    notAfter: a.notAfter,
  };
}

function authorityFromRow(row: PkiTables['pki_authority']): Authority {
  const der = new Uint8Array(row.der);
  const cert = pkijs.Certificate.fromBER(der);
  return {
    ca: row.ca as CaName,
    subject: row.subject,
    serial: row.serial,
    keyLabel: row.key_label,
    der,
    cert,
    sha256: row.sha256,
    notBefore: new Date(row.not_before),
    notAfter: new Date(row.not_after),
    keyId: keyIdentifier(cert.subjectPublicKeyInfo),
  };
}

function sameKey(signer: Signer, cert: pkijs.Certificate): boolean {
  const a = subjectPublicKeyBits(pkijs.PublicKeyInfo.fromBER(signer.publicKey));
  const b = subjectPublicKeyBits(cert.subjectPublicKeyInfo);
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

function parsePublicKey(der: Uint8Array): pkijs.PublicKeyInfo {
  const bad = (cause?: unknown) =>
    new AppError(
      'PKI_PUBLIC_KEY',
      'invalid',
      'the public key must be an RSA key of 2048–4096 bits (SPKI, DER)',
      {
        cause,
      },
    );
  if (!(der instanceof Uint8Array)) throw bad();
  try {
    const key = createPublicKey({ key: bufferOf(der), format: 'der', type: 'spki' });
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (key.asymmetricKeyType !== 'rsa' || bits < 2048 || bits > 4096) throw bad();
    return pkijs.PublicKeyInfo.fromBER(der);
  } catch (cause) {
    throw cause instanceof AppError ? cause : bad(cause);
  }
}

function recordOf(row: CertificateRow): CertificateRecord {
  return {
    serial: row.serial,
    ca: row.ca as CaName,
    kind: row.kind as CertificateKind,
    cardId: row.card_id,
    notBefore: new Date(row.not_before),
    notAfter: new Date(row.not_after),
    issuedAt: new Date(row.issued_at),
    sha256: row.sha256,
    der: row.der === null ? null : new Uint8Array(row.der),
    status: row.status,
    ...(row.reason === null ? {} : { reason: row.reason as RevocationReason }),
    ...(row.status_at === null ? {} : { statusAt: new Date(row.status_at) }),
  };
}

export function createPki(options: PkiOptions): Pki {
  const { store, clock, keyStore } = options;
  const base = options.baseUrl.replace(/\/+$/, '');
  const ocspUrl = `${base}/pki/ocsp`;
  const crlUrl = (ca: CaName) => `${base}/pki/crl/${ca}.crl`;
  const caUrl = (ca: CaName) => `${base}/pki/ca/${ca}.crt`;
  const signers = new Map<CaName, Signer>();
  const crlCache = new Map<CaName, { revision: number; reissueAt: number; der: Uint8Array }>();
  let loaded: ReadonlyMap<CaName, Authority> | undefined;

  async function readAuthorities(db: AnyDb): Promise<ReadonlyMap<CaName, Authority> | undefined> {
    if (loaded !== undefined) return loaded;
    const rows = await pkiTables(db).selectFrom('pki_authority').selectAll().execute();
    if (rows.length === 0) return undefined;
    const byName = new Map(rows.map((r) => [r.ca, r] as const));
    if (!CA_NAMES.every((ca) => byName.has(ca))) {
      throw new AppError(
        'PKI_HIERARCHY_INCOMPLETE',
        'internal',
        'the CA hierarchy in the database is incomplete',
      );
    }
    // In hierarchy order: root, signature, authentication.
    const map = new Map(CA_NAMES.map((ca) => [ca, authorityFromRow(byName.get(ca)!)] as const));
    loaded = map;
    return map;
  }

  async function authorities(db: AnyDb): Promise<ReadonlyMap<CaName, Authority>> {
    const map = await readAuthorities(db);
    if (map === undefined) throw notInitialized();
    return map;
  }

  async function authority(ca: CaName, db: AnyDb = store.db): Promise<Authority> {
    if (!CA_NAMES.includes(ca)) throw unknownCa(ca);
    return (await authorities(db)).get(ca)!;
  }

  async function signerFor(a: Authority): Promise<Signer> {
    const cached = signers.get(a.ca);
    if (cached !== undefined) return cached;
    const signer = await keyStore.signer(a.keyLabel);
    if (signer === undefined || !sameKey(signer, a.cert)) {
      throw new AppError(
        'PKI_KEY_MISSING',
        'internal',
        `the key store (${keyStore.kind}) has no key labelled ${a.keyLabel} matching the ${a.ca} CA certificate`,
      );
    }
    signers.set(a.ca, signer);
    return signer;
  }

  async function keyFor(label: CaName): Promise<Signer> {
    const existing = await keyStore.signer(label);
    if (existing !== undefined) return existing;
    try {
      return await keyStore.generate(label, 'RSA-2048');
    } catch (cause) {
      // Another process made it between our look and our generate.
      const raced =
        isAppError(cause) && cause.code === 'PKI_KEY_EXISTS' ? await keyStore.signer(label) : undefined;
      if (raced === undefined) throw cause;
      return raced;
    }
  }

  async function ceremony(): Promise<PkiTables['pki_authority'][]> {
    const now = toSeconds(clock.now());
    const rows: PkiTables['pki_authority'][] = [];
    const rootSigner = await keyFor('root');
    const rootKey = pkijs.PublicKeyInfo.fromBER(rootSigner.publicKey);
    const rootName = nameFromString(CA_SUBJECTS.root);
    const rootKeyId = keyIdentifier(rootKey);
    const caUsages =
      x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;

    const make = async (ca: CaName, signer: Signer, extensions: pkijs.Extension[], years: number) => {
      const serial = randomSerial();
      const publicKey = pkijs.PublicKeyInfo.fromBER(signer.publicKey);
      const notAfter = addYears(now, years);
      const der = await signCertificate(
        {
          serial,
          issuer: rootName,
          subject: nameFromString(CA_SUBJECTS[ca]),
          notBefore: now,
          notAfter,
          publicKey,
          extensions: [
            ...extensions,
            extension(new x509.KeyUsagesExtension(caUsages, true)),
            extension(new x509.SubjectKeyIdentifierExtension(keyIdentifier(publicKey))),
          ],
        },
        rootSigner,
      );
      rows.push({
        ca,
        subject: CA_SUBJECTS[ca],
        key_label: ca,
        serial,
        der: bufferOf(der),
        sha256: fingerprint(der),
        not_before: now.toISOString(),
        not_after: notAfter.toISOString(),
        revision: 0,
        created_at: now.toISOString(),
      });
    };

    await make(
      'root',
      rootSigner,
      [extension(new x509.BasicConstraintsExtension(true, undefined, true))],
      ROOT_YEARS,
    );
    for (const ca of ['signature', 'authentication'] as const) {
      await make(
        ca,
        await keyFor(ca),
        [
          extension(new x509.BasicConstraintsExtension(true, 0, true)),
          extension(new x509.AuthorityKeyIdentifierExtension(rootKeyId)),
          extension(new x509.CRLDistributionPointsExtension([crlUrl('root')])),
          extension(new x509.AuthorityInfoAccessExtension({ ocsp: [ocspUrl], caIssuers: [caUrl('root')] })),
        ],
        ISSUING_CA_YEARS,
      );
    }
    return rows;
  }

  const responder = createOcspResponder({
    clock,
    cacheMs: options.ocspCacheMs ?? 1000,
    authorities: () => readAuthorities(store.db),
    signer: async (ca) => signerFor(await authority(ca)),
    async lookup(ca, serials) {
      const out = new Map<string, OcspRecord>();
      if (ca === 'root') {
        // The root answers for the issuing CAs, which are never revoked while in service.
        for (const a of (await authorities(store.db)).values()) {
          if (a.ca !== 'root' && serials.includes(a.serial))
            out.set(a.serial, { status: 'good', reason: null, statusAt: null });
        }
        return out;
      }
      if (serials.length === 0) return out;
      const rows = await pkiTables(store.db)
        .selectFrom('pki_certificate')
        .select(['serial', 'status', 'reason', 'status_at'])
        .where('ca', '=', ca)
        .where('serial', 'in', serials)
        .execute();
      for (const r of rows) {
        out.set(r.serial, {
          status: r.status,
          reason: r.reason as RevocationReason | null,
          statusAt: r.status_at === null ? null : new Date(r.status_at),
        });
      }
      return out;
    },
  });

  async function changeStatus(
    serial: string,
    to: 'revoked' | 'hold' | 'released',
    reason: RevocationReason | null,
    at: Date,
    db: AnyDb | undefined,
  ): Promise<void> {
    if (!isDate(at))
      throw new AppError('PKI_STATUS_TIME', 'invalid', 'the time of a status change must be a valid date');
    const when = toSeconds(at);
    if (when.getTime() > clock.now().getTime()) {
      throw new AppError('PKI_STATUS_TIME', 'invalid', 'a status change cannot be dated in the future');
    }
    const key = String(serial).toLowerCase();
    const ca = await inTransaction(db ?? store.db, async (trx) => {
      const t = pkiTables(trx);
      for (let attempt = 0; attempt < STATUS_RETRIES; attempt++) {
        const row = await t
          .selectFrom('pki_certificate')
          .selectAll()
          .where('serial', '=', key)
          .executeTakeFirst();
        if (row === undefined) {
          throw new AppError('PKI_UNKNOWN_CERTIFICATE', 'not-found', `no certificate with serial ${key}`);
        }
        if (to === 'revoked' && row.status === 'revoked') {
          throw new AppError('PKI_ALREADY_REVOKED', 'conflict', `certificate ${key} is already revoked`);
        }
        if (to === 'hold' && row.status !== 'good') {
          throw new AppError(
            'PKI_ALREADY_REVOKED',
            'conflict',
            `certificate ${key} is already ${row.status === 'hold' ? 'on hold' : 'revoked'}`,
          );
        }
        if (to === 'released' && row.status !== 'hold') {
          throw new AppError('PKI_NOT_ON_HOLD', 'conflict', `certificate ${key} is not on hold`);
        }
        if (row.status_at !== null && when.toISOString() < row.status_at) {
          throw new AppError(
            'PKI_STATUS_TIME',
            'invalid',
            'a status change cannot be dated before the previous one',
          );
        }
        const seq = row.status_seq + 1;
        const updated = await t
          .updateTable('pki_certificate')
          .set({
            status: to === 'released' ? 'good' : to,
            reason: to === 'released' ? null : reason,
            status_at: when.toISOString(),
            status_seq: seq,
          })
          .where('serial', '=', key)
          .where('status_seq', '=', row.status_seq)
          .executeTakeFirst();
        // Another transaction changed it first: look again.
        if (updated.numUpdatedRows === 0n) continue;
        await t
          .insertInto('pki_status_event')
          .values({
            serial: key,
            seq,
            ca: row.ca,
            status: to,
            reason,
            at: when.toISOString(),
            recorded_at: clock.now().toISOString(),
          })
          .execute();
        await t
          .updateTable('pki_authority')
          .set((eb) => ({ revision: eb('revision', '+', 1) }))
          .where('ca', '=', row.ca)
          .execute();
        return row.ca as CaName;
      }
      throw new AppError(
        'PKI_STATUS_CONFLICT',
        'conflict',
        `certificate ${key} is being changed concurrently; retry`,
      );
    });
    responder.invalidate(key);
    crlCache.delete(ca);
  }

  return {
    async init() {
      const existing = await readAuthorities(store.db);
      if (existing !== undefined) {
        for (const a of existing.values()) await signerFor(a);
        return { created: false, authorities: [...existing.values()].map(info) };
      }
      const rows = await ceremony();
      try {
        await inTransaction(store.db, (trx) =>
          pkiTables(trx).insertInto('pki_authority').values(rows).execute(),
        );
      } catch (cause) {
        // A concurrent ceremony won; use its hierarchy (it used the same keys).
        const other = await readAuthorities(store.db).catch(() => undefined);
        if (other === undefined) throw cause;
        return { created: false, authorities: [...other.values()].map(info) };
      }
      const map = (await readAuthorities(store.db))!;
      return { created: true, authorities: [...map.values()].map(info) };
    },

    async authorities() {
      return [...(await authorities(store.db)).values()].map(info);
    },

    async caCertificate(ca) {
      return (await authority(ca)).der.slice();
    },

    async chain(kind) {
      if (kind !== 'signature' && kind !== 'authentication') throw unknownCa(kind);
      return [(await authority(kind)).der.slice(), (await authority('root')).der.slice()];
    },

    async issue(request, db) {
      const tx = db ?? store.db;
      const profile = (message: string) => new AppError('PKI_PROFILE', 'invalid', message);
      const kind = request.kind;
      if (kind !== 'signature' && kind !== 'authentication')
        throw profile('kind must be signature or authentication');
      if (typeof request.cardId !== 'string' || request.cardId.length === 0 || request.cardId.length > 100) {
        throw profile('cardId must be a non-empty string of at most 100 characters');
      }
      const holder = request.holder;
      if (kind === 'signature') {
        if (holder === undefined) throw profile('a signature certificate needs the holder’s 4 basic items');
        validateHolder(holder, jstDate(clock.now()));
      } else if (holder !== undefined) {
        throw profile('an authentication certificate carries no personal data: leave holder out');
      }
      const ca = await authority(kind, tx);
      const { notBefore, notAfter } = request;
      if (!isDate(notBefore) || !isDate(notAfter)) {
        throw new AppError('PKI_VALIDITY', 'invalid', 'notBefore and notAfter must be valid dates');
      }
      const from = toSeconds(notBefore);
      const until = toSeconds(notAfter);
      if (from.getTime() >= until.getTime()) {
        throw new AppError('PKI_VALIDITY', 'invalid', 'notBefore must be before notAfter');
      }
      if (until.getTime() > ca.notAfter.getTime()) {
        throw new AppError(
          'PKI_VALIDITY',
          'invalid',
          `notAfter ${until.toISOString()} is beyond the ${kind} CA's own expiry ${ca.notAfter.toISOString()}`,
        );
      }
      const publicKey = parsePublicKey(request.publicKey);
      const serial = randomSerial();
      const usages =
        kind === 'signature'
          ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation
          : x509.KeyUsageFlags.digitalSignature;
      const extensions = [
        extension(new x509.AuthorityKeyIdentifierExtension(ca.keyId)),
        extension(new x509.SubjectKeyIdentifierExtension(keyIdentifier(publicKey))),
        extension(new x509.KeyUsagesExtension(usages, true)),
        extension(new x509.CertificatePolicyExtension([POLICY_OIDS[kind]])),
        extension(new x509.CRLDistributionPointsExtension([crlUrl(kind)])),
        extension(new x509.AuthorityInfoAccessExtension({ ocsp: [ocspUrl], caIssuers: [caUrl(kind)] })),
        ...(kind === 'signature'
          ? [rawExtension(OID.subjectAltName, false, holderAltNames(holder!))]
          : [extension(new x509.ExtendedKeyUsageExtension([OID.clientAuth]))]),
      ];
      const der = await signCertificate(
        {
          serial,
          issuer: ca.cert.subject,
          // No personal data in the DN: the serial names the certificate.
          subject: nameFromString(`C=JP, CN=${serial}`),
          notBefore: from,
          notAfter: until,
          publicKey,
          extensions,
        },
        await signerFor(ca),
      );
      await pkiTables(tx)
        .insertInto('pki_certificate')
        .values({
          serial,
          ca: ca.ca,
          kind,
          card_id: request.cardId,
          not_before: from.toISOString(),
          not_after: until.toISOString(),
          der: kind === 'signature' ? null : bufferOf(der),
          sha256: sha256Hex(der),
          issued_at: clock.now().toISOString(),
          status: 'good',
          reason: null,
          status_at: null,
          status_seq: 0,
        })
        .execute();
      return { serial, ca: ca.ca, kind, der, notBefore: from, notAfter: until };
    },

    revoke(serial, reason, at, db) {
      if (!Object.hasOwn(REASON_CODE, reason)) {
        return Promise.reject(
          new AppError('PKI_REASON', 'invalid', `unknown revocation reason ${JSON.stringify(reason)}`),
        );
      }
      if (reason === 'certificateHold') return changeStatus(serial, 'hold', 'certificateHold', at, db);
      return changeStatus(serial, 'revoked', reason, at, db);
    },

    hold(serial, at, db) {
      return changeStatus(serial, 'hold', 'certificateHold', at, db);
    },

    release(serial, at, db) {
      return changeStatus(serial, 'released', null, at, db);
    },

    async status(serial, at, db) {
      const t = pkiTables(db ?? store.db);
      const key = String(serial).toLowerCase();
      const row = await t
        .selectFrom('pki_certificate')
        .selectAll()
        .where('serial', '=', key)
        .executeTakeFirst();
      if (row === undefined) return { status: 'unknown' };
      const validity = { notBefore: new Date(row.not_before), notAfter: new Date(row.not_after) };
      let state: { status: string; reason: string | null; at: string | null } = {
        status: row.status,
        reason: row.reason,
        at: row.status_at,
      };
      if (at !== undefined) {
        if (!isDate(at))
          throw new AppError('PKI_STATUS_TIME', 'invalid', 'the time asked about must be a valid date');
        // Status changes are never dated before the previous one, so the last one at or
        // before `at` is the status then.
        const iso = at.toISOString();
        const event = await t
          .selectFrom('pki_status_event')
          .select(['status', 'reason', 'at'])
          .where('serial', '=', key)
          .where('at', '<=', iso)
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirst();
        state = event === undefined ? { status: 'good', reason: null, at: null } : event;
      }
      if (state.status === 'good' || state.status === 'released') return { status: 'good', ...validity };
      return {
        status: 'revoked',
        reason: (state.status === 'hold'
          ? 'certificateHold'
          : (state.reason ?? 'unspecified')) as RevocationReason,
        revokedAt: new Date(state.at!),
        ...validity,
      };
    },

    async certificate(serial, db) {
      const row = await pkiTables(db ?? store.db)
        .selectFrom('pki_certificate')
        .selectAll()
        .where('serial', '=', serial.toLowerCase())
        .executeTakeFirst();
      return row === undefined ? undefined : recordOf(row);
    },

    async certificatesOf(cardId, db) {
      const rows = await pkiTables(db ?? store.db)
        .selectFrom('pki_certificate')
        .selectAll()
        .where('card_id', '=', cardId)
        .orderBy('issued_at')
        .orderBy('serial')
        .execute();
      return rows.map(recordOf);
    },

    async crl(ca) {
      const a = await authority(ca);
      const t = pkiTables(store.db);
      const now = clock.now();
      const { revision } = await t
        .selectFrom('pki_authority')
        .select('revision')
        .where('ca', '=', ca)
        .executeTakeFirstOrThrow();
      const cached = crlCache.get(ca);
      if (cached !== undefined && cached.revision === revision && now.getTime() < cached.reissueAt) {
        return cached.der.slice();
      }
      const remember = (row: { revision: number; this_update: string; der: Buffer }) => {
        const der = new Uint8Array(row.der);
        crlCache.set(ca, {
          revision: row.revision,
          reissueAt: Date.parse(row.this_update) + CRL_REISSUE_MS,
          der,
        });
        return der.slice();
      };
      const stored = await t.selectFrom('pki_crl').selectAll().where('ca', '=', ca).executeTakeFirst();
      if (
        stored !== undefined &&
        stored.revision === revision &&
        now.getTime() < Date.parse(stored.this_update) + CRL_REISSUE_MS
      ) {
        return remember(stored);
      }
      const thisUpdate = toSeconds(now);
      const nextUpdate = new Date(thisUpdate.getTime() + CRL_VALIDITY_MS);
      // Expired certificates leave the CRL (RFC 5280 §3.3); their history stays in the database.
      const revoked = await t
        .selectFrom('pki_certificate')
        .select(['serial', 'status', 'reason', 'status_at'])
        .where('ca', '=', ca)
        .where('status', '<>', 'good')
        .where('not_after', '>=', thisUpdate.toISOString())
        .orderBy('serial')
        .execute();
      const number = (stored?.number ?? 0) + 1;
      const der = await signCrl(
        {
          issuer: a.cert.subject,
          issuerKeyId: a.keyId,
          number,
          thisUpdate,
          nextUpdate,
          entries: revoked.map((r) => ({
            serial: r.serial,
            revokedAt: new Date(r.status_at!),
            reasonCode:
              REASON_CODE[
                r.status === 'hold' ? 'certificateHold' : ((r.reason ?? 'unspecified') as RevocationReason)
              ],
          })),
        },
        await signerFor(a),
      );
      const row = {
        ca,
        number,
        revision,
        this_update: thisUpdate.toISOString(),
        next_update: nextUpdate.toISOString(),
        der: bufferOf(der),
      };
      // CRL numbers must only grow: the row is replaced only if nobody else replaced it
      // since we read it; otherwise the other process's CRL is the current one.
      let written: boolean;
      if (stored === undefined) {
        written = await t
          .insertInto('pki_crl')
          .values(row)
          .execute()
          .then(() => true)
          .catch(() => false);
      } else {
        const result = await t
          .updateTable('pki_crl')
          .set(row)
          .where('ca', '=', ca)
          .where('number', '=', stored.number)
          .executeTakeFirst();
        written = result.numUpdatedRows > 0n;
      }
      if (written) return remember(row);
      return remember(
        await t.selectFrom('pki_crl').selectAll().where('ca', '=', ca).executeTakeFirstOrThrow(),
      );
    },

    ocsp(request) {
      return responder.respond(request);
    },
  };
}
