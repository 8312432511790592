import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Clock } from '../core/index.ts';
import type { Signer } from './key-store.ts';
import { type Authority, type CaName, REASON_CODE, type RevocationReason } from './types.ts';
import { OID, parseDer, sha256WithRsa, subjectPublicKeyBits, toHex, toSeconds } from './x509.ts';

/** What the responder needs to know about one serial of the signing CA. */
export interface OcspRecord {
  readonly status: 'good' | 'hold' | 'revoked';
  readonly reason: RevocationReason | null;
  readonly statusAt: Date | null;
}

export interface OcspDeps {
  readonly clock: Clock;
  /** How long a response to a request without a nonce is served again. */
  readonly cacheMs: number;
  /** The CAs; undefined while the hierarchy does not exist yet. */
  authorities(): Promise<ReadonlyMap<CaName, Authority> | undefined>;
  /** Records of the given serials issued by `ca` (missing ones were never issued by it). */
  lookup(ca: CaName, serials: readonly string[]): Promise<ReadonlyMap<string, OcspRecord>>;
  signer(ca: CaName): Promise<Signer>;
}

export interface OcspResponder {
  respond(request: Uint8Array): Promise<Uint8Array>;
  /** Drops every cached response that mentions `serial` (its status just changed). */
  invalidate(serial: string): void;
}

/** More CertIDs than this in one request is treated as malformed (bounds the work per request). */
export const MAX_CERT_IDS = 64;
/** Cached answers and their keys together stay under this many bytes (oldest go first). */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;
/** Requests longer than this are not cached by their bytes (a nonce-less request is ~80 bytes per CertID). */
const MAX_RAW_KEY = 8192;
const HASHES: Readonly<Record<string, 'sha1' | 'sha256'>> = { [OID.sha1]: 'sha1', [OID.sha256]: 'sha256' };

function unsignedResponse(status: number): Uint8Array {
  return new Uint8Array(
    new pkijs.OCSPResponse({ responseStatus: new asn1js.Enumerated({ value: status }) }).toSchema().toBER(),
  );
}
// RFC 6960 §4.2.1 OCSPResponseStatus values.
const MALFORMED = unsignedResponse(1);
const INTERNAL_ERROR = unsignedResponse(2);
const UNAUTHORIZED = unsignedResponse(6);

interface Entry {
  readonly der: Uint8Array;
  readonly expires: number;
  readonly keys: string[];
  readonly serials: readonly string[];
  /** Bytes held: the answer plus its keys (a latin1 key is one byte a character, kept as two). */
  size: number;
}

interface Wanted {
  readonly certId: pkijs.CertID;
  readonly ca: CaName | undefined;
  readonly serial: string;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function serialHex(integer: asn1js.Integer): string {
  return toHex(integer.valueBlock.valueHexView).replace(/^(00)+(?=.)/, '');
}

function certStatus(record: OcspRecord | undefined): asn1js.BaseBlock {
  if (record === undefined) return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 } });
  if (record.status === 'good') return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } });
  const reason = record.status === 'hold' ? 'certificateHold' : (record.reason ?? 'unspecified');
  const code = REASON_CODE[reason];
  return new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 1 },
    value: [
      new asn1js.GeneralizedTime({ valueDate: toSeconds(record.statusAt ?? new Date(0)) }),
      ...(code === 0
        ? []
        : [
            new asn1js.Constructed({
              idBlock: { tagClass: 3, tagNumber: 0 },
              value: [new asn1js.Enumerated({ value: code })],
            }),
          ]),
    ],
  });
}

/** The nonce extension of a request, or `invalid` when its length breaks RFC 8954 (1–32 octets). */
function nonceOf(request: pkijs.OCSPRequest): pkijs.Extension | 'invalid' | undefined {
  const nonce = request.tbsRequest.requestExtensions?.find((e) => e.extnID === OID.ocspNonce);
  if (nonce === undefined) return undefined;
  const raw = nonce.extnValue.valueBlock.valueHexView;
  const inner = parseDer(raw);
  const length =
    inner instanceof asn1js.OctetString ? inner.valueBlock.valueHexView.byteLength : raw.byteLength;
  return length >= 1 && length <= 32 ? nonce : 'invalid';
}

/**
 * An RFC 6960 responder. Each issuing CA signs the answers about its own certificates
 * (ResponderID byKey, the CA certificate attached), so no delegated responder
 * certificate exists. Answers to requests without a nonce are cached for `cacheMs`,
 * keyed first by the request's bytes (the hot path: one map lookup) and then by its set
 * of CertIDs; a status change made by this process drops the affected answers at once.
 */
export function createOcspResponder(deps: OcspDeps): OcspResponder {
  const cache = new Map<string, Entry>();
  const bySerial = new Map<string, Set<Entry>>();
  // Bumped by every invalidation: an answer built across one is not cached.
  let epoch = 0;
  let cachedBytes = 0;
  let issuerIndex: { source: ReadonlyMap<CaName, Authority>; byKey: Map<string, CaName> } | undefined;

  function remove(entry: Entry): void {
    if (entry.size === 0) return;
    cachedBytes -= entry.size;
    entry.size = 0;
    for (const key of entry.keys) if (cache.get(key) === entry) cache.delete(key);
    for (const serial of entry.serials) {
      const set = bySerial.get(serial);
      set?.delete(entry);
      if (set?.size === 0) bySerial.delete(serial);
    }
  }

  function addKey(entry: Entry, key: string): void {
    entry.keys.push(key);
    entry.size += 2 * key.length;
    cachedBytes += 2 * key.length;
    cache.set(key, entry);
  }

  function remember(
    der: Uint8Array,
    expires: number,
    keys: readonly string[],
    serials: readonly string[],
  ): void {
    const entry: Entry = { der, expires, keys: [], serials, size: der.byteLength };
    cachedBytes += entry.size;
    for (const key of keys) addKey(entry, key);
    for (const serial of entry.serials) {
      const set = bySerial.get(serial);
      if (set === undefined) bySerial.set(serial, new Set([entry]));
      else set.add(entry);
    }
    // Map order is insertion order: the oldest answers go first.
    for (const old of cache.values()) {
      if (cachedBytes <= MAX_CACHE_BYTES) break;
      remove(old);
    }
  }

  function issuers(authorities: ReadonlyMap<CaName, Authority>): Map<string, CaName> {
    if (issuerIndex?.source === authorities) return issuerIndex.byKey;
    const byKey = new Map<string, CaName>();
    for (const a of authorities.values()) {
      const name = new Uint8Array(a.cert.subject.toSchema().toBER());
      const key = subjectPublicKeyBits(a.cert.subjectPublicKeyInfo);
      for (const [oid, hash] of Object.entries(HASHES)) {
        const nameHash = createHash(hash).update(name).digest('hex');
        const keyHash = createHash(hash).update(key).digest('hex');
        byKey.set(`${oid}/${nameHash}/${keyHash}`, a.ca);
      }
    }
    issuerIndex = { source: authorities, byKey };
    return byKey;
  }

  async function sign(
    authority: Authority,
    wanted: readonly Wanted[],
    records: ReadonlyMap<string, OcspRecord>,
    nonce: pkijs.Extension | undefined,
  ): Promise<Uint8Array> {
    const now = toSeconds(deps.clock.now());
    const data = new pkijs.ResponseData({
      responderID: new asn1js.OctetString({
        valueHex: createHash('sha1')
          .update(subjectPublicKeyBits(authority.cert.subjectPublicKeyInfo))
          .digest(),
      }),
      producedAt: now,
      // No nextUpdate: newer status is always available (a suspension shows within cacheMs).
      responses: wanted.map(
        (w) =>
          new pkijs.SingleResponse({
            certID: w.certId,
            certStatus: certStatus(w.ca === authority.ca ? records.get(w.serial) : undefined),
            thisUpdate: now,
          }),
      ),
      ...(nonce === undefined ? {} : { responseExtensions: [nonce] }),
    });
    data.tbsView = new Uint8Array(data.toSchema(true).toBER());
    const signature = await (await deps.signer(authority.ca)).sign(data.tbsView);
    const basic = new pkijs.BasicOCSPResponse({
      tbsResponseData: data,
      signatureAlgorithm: sha256WithRsa(),
      signature: new asn1js.BitString({ valueHex: signature }),
      certs: [authority.cert],
    });
    const response = new pkijs.OCSPResponse({
      responseStatus: new asn1js.Enumerated({ value: 0 }),
      responseBytes: new pkijs.ResponseBytes({
        responseType: OID.ocspBasic,
        response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER() }),
      }),
    });
    return new Uint8Array(response.toSchema().toBER());
  }

  async function build(bytes: Uint8Array, rawKey: string | undefined, now: number): Promise<Uint8Array> {
    const parsed = parseDer(bytes);
    if (parsed === undefined) return MALFORMED;
    let request: pkijs.OCSPRequest;
    try {
      request = new pkijs.OCSPRequest({ schema: parsed });
    } catch {
      return MALFORMED;
    }
    const list = request.tbsRequest.requestList;
    if (list.length === 0 || list.length > MAX_CERT_IDS) return MALFORMED;
    const nonce = nonceOf(request);
    if (nonce === 'invalid') return MALFORMED;

    const started = epoch;
    const authorities = await deps.authorities();
    if (authorities === undefined) return UNAUTHORIZED;
    const index = issuers(authorities);
    const wanted: Wanted[] = list.map((r) => {
      const id = r.reqCert;
      const key = `${id.hashAlgorithm.algorithmId}/${toHex(id.issuerNameHash.valueBlock.valueHexView)}/${toHex(id.issuerKeyHash.valueBlock.valueHexView)}`;
      return { certId: id, ca: index.get(key), serial: serialHex(id.serialNumber) };
    });
    // One signature covers the whole response, so the first known issuer signs; a
    // CertID of another issuer in the same request is answered `unknown` (RFC 6960 §2.2).
    const signing = wanted.find((w) => w.ca !== undefined)?.ca;
    // Not one of our CAs: we cannot answer authoritatively (RFC 6960 §2.3, RFC 5019 §2.2.3).
    if (signing === undefined) return UNAUTHORIZED;
    const authority = authorities.get(signing)!;

    let setKey: string | undefined;
    if (nonce === undefined) {
      setKey = `c${wanted.map((w) => latin1(new Uint8Array(w.certId.toSchema().toBER()))).join('\u0000')}`;
      const hit = cache.get(setKey);
      if (hit !== undefined && hit.expires > now) {
        if (rawKey !== undefined && !hit.keys.includes(rawKey)) addKey(hit, rawKey);
        return hit.der;
      }
      if (hit !== undefined) remove(hit);
    }

    const serials = wanted.filter((w) => w.ca === signing).map((w) => w.serial);
    const records = await deps.lookup(signing, serials);
    const der = await sign(authority, wanted, records, nonce);
    if (setKey !== undefined && epoch === started && deps.cacheMs > 0) {
      remember(
        der,
        now + deps.cacheMs,
        rawKey === undefined ? [setKey] : [rawKey, setKey],
        wanted.map((w) => w.serial),
      );
    }
    return der;
  }

  return {
    async respond(request: Uint8Array): Promise<Uint8Array> {
      try {
        const now = deps.clock.now().getTime();
        const rawKey = request.byteLength <= MAX_RAW_KEY ? `r${latin1(request)}` : undefined;
        if (rawKey !== undefined) {
          const hit = cache.get(rawKey);
          if (hit !== undefined) {
            if (hit.expires > now) return hit.der.slice();
            remove(hit);
          }
        }
        return (await build(request, rawKey, now)).slice();
      } catch {
        // Whatever failed (the database, the key store), the caller gets an OCSP answer.
        return INTERNAL_ERROR.slice();
      }
    },

    invalidate(serial: string): void {
      epoch++;
      const entries = bySerial.get(serial);
      if (entries === undefined) return;
      for (const entry of [...entries]) remove(entry);
    },
  };
}
