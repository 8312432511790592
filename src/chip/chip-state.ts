/** The chip's persistent state and its JSON form inside the encrypted card file. */
import { fromBase64Url, toBase64Url } from './bytes.ts';
import { type ChipContent, checkContent } from './card-content.ts';
import { ChipError } from './errors.ts';
import { type KeySlot, PIN_NAMES, PINS, type PinName } from './layout.ts';
import type { RsaPrivateJwk } from './rsa.ts';

export type Lifecycle = 'personalizing' | 'issued';

export interface PinState {
  /** Plain inside the encrypted file: whoever can decrypt it also holds the private keys. */
  value: string | null;
  tries: number;
}

export interface KeyState {
  readonly jwk: RsaPrivateJwk;
  readonly spki: Uint8Array;
}

export interface ChipState {
  readonly cardId: string;
  lifecycle: Lifecycle;
  /** SHA-256 of the issuer key; the key itself is never stored. */
  readonly issuerKeyHash: Uint8Array;
  readonly pins: Record<PinName, PinState>;
  readonly keys: Partial<Record<KeySlot, KeyState>>;
  content: ChipContent | undefined;
}

const STATE_VERSION = 1;

export function blankPins(): Record<PinName, PinState> {
  return Object.fromEntries(PIN_NAMES.map((n) => [n, { value: null, tries: PINS[n].maxTries }])) as Record<
    PinName,
    PinState
  >;
}

const BYTE_FIELDS = [
  'signatureCertificate',
  'signatureCaCertificate',
  'authenticationCertificate',
  'authenticationCaCertificate',
  'photo',
] as const;

export function serializeState(s: ChipState): string {
  const content =
    s.content === undefined
      ? null
      : Object.fromEntries(
          Object.entries(s.content).map(([k, v]) => [k, v instanceof Uint8Array ? toBase64Url(v) : v]),
        );
  const keys = Object.fromEntries(
    Object.entries(s.keys).map(([slot, k]) => [slot, { jwk: k.jwk, spki: toBase64Url(k.spki) }]),
  );
  return JSON.stringify({
    v: STATE_VERSION,
    cardId: s.cardId,
    lifecycle: s.lifecycle,
    issuerKeyHash: toBase64Url(s.issuerKeyHash),
    pins: s.pins,
    keys,
    content,
  });
}

const JWK_FIELDS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** Rebuilds the state; any shape error is a CHIP_FILE_CORRUPT (the file decrypted, so it is a bug or a forgery). */
export function deserializeState(json: string): ChipState {
  const fail = (why: string, cause?: unknown): never => {
    throw new ChipError(
      'CHIP_FILE_CORRUPT',
      `card state unreadable: ${why}`,
      cause === undefined ? {} : { cause },
    );
  };
  try {
    const raw = JSON.parse(json) as Record<string, unknown>;
    if (raw['v'] !== STATE_VERSION) fail(`unsupported state version ${String(raw['v'])}`);
    const cardId = raw['cardId'];
    const lifecycle = raw['lifecycle'];
    if (typeof cardId !== 'string') fail('cardId');
    if (lifecycle !== 'personalizing' && lifecycle !== 'issued') fail('lifecycle');
    const issuerKeyHash = fromBase64Url(String(raw['issuerKeyHash']));
    if (issuerKeyHash.length !== 32) fail('issuerKeyHash');

    const rawPins = (raw['pins'] ?? {}) as Record<string, { value?: unknown; tries?: unknown }>;
    const pins = blankPins();
    for (const name of PIN_NAMES) {
      const p = rawPins[name];
      const value = p?.value;
      const tries = p?.tries;
      if (value !== null && typeof value !== 'string') fail(`pin ${name}`);
      if (typeof tries !== 'number' || !Number.isInteger(tries) || tries < 0 || tries > PINS[name].maxTries) {
        fail(`pin ${name} tries`);
      }
      pins[name] = { value: value as string | null, tries: tries as number };
    }

    const keys: Partial<Record<KeySlot, KeyState>> = {};
    for (const [slot, k] of Object.entries(
      (raw['keys'] ?? {}) as Record<string, { jwk?: unknown; spki?: unknown }>,
    )) {
      if (slot !== 'signature' && slot !== 'authentication') fail(`key slot ${slot}`);
      const jwk = k.jwk as Record<string, unknown> | undefined;
      if (jwk?.['kty'] !== 'RSA' || !JWK_FIELDS.every((f) => typeof jwk[f] === 'string')) fail(`key ${slot}`);
      keys[slot as KeySlot] = { jwk: jwk as unknown as RsaPrivateJwk, spki: fromBase64Url(String(k.spki)) };
    }

    let content: ChipContent | undefined;
    const rc = raw['content'] as Record<string, unknown> | null;
    if (rc !== null && rc !== undefined) {
      const c: Record<string, unknown> = { ...rc };
      for (const f of BYTE_FIELDS) if (typeof c[f] === 'string') c[f] = fromBase64Url(c[f] as string);
      content = c as unknown as ChipContent;
      checkContent(content);
    }
    return {
      cardId: cardId as string,
      lifecycle: lifecycle as Lifecycle,
      issuerKeyHash,
      pins,
      keys,
      content,
    };
  } catch (cause) {
    if (cause instanceof ChipError && cause.code === 'CHIP_FILE_CORRUPT') throw cause;
    return fail('malformed', cause);
  }
}
