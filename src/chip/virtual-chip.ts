/**
 * A software My Number card chip: JPKI, text and image applications behind one APDU interface,
 * plus an issuer interface (personalization, counter unlock, renewal) guarded by an issuer key.
 */
import {
  ApduError,
  type CardReader,
  type CommandApdu,
  encodeResponse,
  parseCommandApdu,
  SW,
  triesLeftSw,
} from './apdu.ts';
import { buf, constantTimeEqual, fromUtf8, toHex, utf8 } from './bytes.ts';
import { buildFiles, type CardFiles, type ChipContent, checkContent, collationB } from './card-content.ts';
import { openCardFile, sealCardFile } from './card-file.ts';
import { blankPins, type ChipState, deserializeState, type Lifecycle, serializeState } from './chip-state.ts';
import { digestInfoAlgorithm } from './digest-info.ts';
import { ChipError } from './errors.ts';
import {
  AID,
  type AppName,
  EF,
  type KeySlot,
  MAX_PIN_LENGTH,
  PIN_NAMES,
  PINS,
  type PinName,
} from './layout.ts';
import { type RsaPrivateJwk, signDigestInfo } from './rsa.ts';

/** Who may READ BINARY a data EF: any one of these PINs verified in the current AP session. */
const READ_RULES: Partial<Record<AppName, Record<string, readonly PinName[]>>> = {
  JPKI: { [EF.JPKI.SIGNATURE_CERT]: ['signature'] },
  TEXT: {
    [EF.TEXT.NUMBER]: ['text', 'text-collation-a'],
    [EF.TEXT.BASIC_FOUR]: ['text', 'text-collation-a', 'text-collation-b'],
  },
  IMAGE: {
    [EF.IMAGE.FACE]: ['image-collation-a', 'image-collation-b'],
    // 照合番号B comes off the card face, so it must never yield the 12-digit number.
    [EF.IMAGE.NUMBER]: ['image-collation-a'],
  },
};

const KEY_EFS: Record<string, { slot: KeySlot; pin: PinName }> = {
  [EF.JPKI.SIGNATURE_KEY]: { slot: 'signature', pin: 'signature' },
  [EF.JPKI.AUTHENTICATION_KEY]: { slot: 'authentication', pin: 'authentication' },
};

type ResolvedEf =
  | { type: 'data'; bytes: Uint8Array; readPins: readonly PinName[] | undefined }
  | { type: 'pin'; name: PinName }
  | { type: 'key'; slot: KeySlot; pin: PinName; jwk: RsaPrivateJwk };

interface Session {
  app: AppName | undefined;
  ef: string | undefined;
  verified: Set<PinName>;
}

interface Reply {
  sw: number;
  data?: Uint8Array;
}

const reply = (sw: number, data?: Uint8Array): Reply => (data === undefined ? { sw } : { sw, data });
const CARD_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const APP_BY_AID = new Map<string, AppName>(Object.entries(AID).map(([app, aid]) => [aid, app as AppName]));

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', buf(bytes)));
}

export interface PinStatus {
  readonly triesLeft: number;
  readonly locked: boolean;
}

export class VirtualChip implements CardReader {
  readonly #state: ChipState;
  #files: CardFiles | undefined;
  #session: Session = { app: undefined, ef: undefined, verified: new Set() };
  #changes = 0;
  #savedAt = 0;
  readonly #listeners = new Set<() => void>();

  private constructor(state: ChipState) {
    this.#state = state;
    this.#files = state.content === undefined ? undefined : buildFiles(state.content);
  }

  /** A blank chip, ready for personalization. */
  static async create(options: { issuerKey: Uint8Array; cardId: string }): Promise<VirtualChip> {
    if (!(options.issuerKey instanceof Uint8Array) || options.issuerKey.length !== 32) {
      throw new ChipError('CHIP_ISSUER_KEY', 'issuer key must be 32 bytes');
    }
    if (!CARD_ID.test(options.cardId))
      throw new ChipError('CHIP_ARGUMENT', 'cardId must be 1–128 of [A-Za-z0-9._:-]');
    const chip = new VirtualChip({
      cardId: options.cardId,
      lifecycle: 'personalizing',
      issuerKeyHash: await sha256(options.issuerKey),
      pins: blankPins(),
      keys: {},
      content: undefined,
    });
    chip.#changes = 1; // a new chip has never been saved
    return chip;
  }

  /** Restores a chip from its encrypted card file; the session starts fresh, as after a power cycle. */
  static async open(file: Uint8Array, cardKey: Uint8Array): Promise<VirtualChip> {
    const { header, plaintext } = await openCardFile(file, cardKey);
    let json: string;
    try {
      json = fromUtf8(plaintext);
    } catch (cause) {
      throw new ChipError('CHIP_FILE_CORRUPT', 'card state is not UTF-8', { cause });
    }
    const state = deserializeState(json);
    if (state.cardId !== header.cardId) throw new ChipError('CHIP_FILE_CORRUPT', 'card ID mismatch');
    try {
      return new VirtualChip(state);
    } catch (cause) {
      throw new ChipError('CHIP_FILE_CORRUPT', 'card content unreadable', { cause });
    }
  }

  get cardId(): string {
    return this.#state.cardId;
  }

  get lifecycle(): Lifecycle {
    return this.#state.lifecycle;
  }

  /** True when the state changed (e.g. a PIN counter) since the last save. */
  get dirty(): boolean {
    return this.#changes !== this.#savedAt;
  }

  /** Called after every state change worth saving; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Encrypts the whole state under the 32-byte card key. */
  async save(cardKey: Uint8Array): Promise<Uint8Array> {
    const at = this.#changes;
    const file = await sealCardFile(this.#state.cardId, utf8(serializeState(this.#state)), cardKey);
    this.#savedAt = at;
    return file;
  }

  /** Forgets the current AP, EF and verified PINs, like pulling the card from the reader. */
  reset(): void {
    this.#session = { app: undefined, ef: undefined, verified: new Set() };
  }

  pinStatus(pin: PinName): PinStatus {
    const triesLeft = this.#state.pins[checkPinName(pin)].tries;
    return { triesLeft, locked: triesLeft === 0 };
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    try {
      const r = this.#process(apdu);
      return encodeResponse(r.sw, r.data);
    } catch {
      // A card never throws: anything unforeseen is "no precise diagnosis".
      return encodeResponse(SW.UNKNOWN_ERROR);
    }
  }

  // ---- issuer interface -------------------------------------------------------------------

  /** Makes a fresh RSA-2048 key pair inside the chip and returns its public key (SPKI DER). */
  async generateKeyPair(issuerKey: Uint8Array, slot: KeySlot): Promise<Uint8Array> {
    await this.#checkIssuer(issuerKey);
    checkSlot(slot);
    const subtle = globalThis.crypto.subtle;
    // Extractable only so the chip can seal the JWK into its own state; no API hands it out.
    const pair = await subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    );
    const jwk = (await subtle.exportKey('jwk', pair.privateKey)) as RsaPrivateJwk;
    const spki = new Uint8Array(await subtle.exportKey('spki', pair.publicKey));
    this.#state.keys[slot] = { jwk: { ...jwk }, spki };
    this.#changed();
    return new Uint8Array(spki);
  }

  /** Writes the card-face data and certificates; also sets both collation numbers and resets their counters. */
  async writeContent(issuerKey: Uint8Array, content: ChipContent): Promise<void> {
    await this.#checkIssuer(issuerKey);
    this.#setContent(copyContent(content));
    const a = content.number;
    const b = collationB(content);
    for (const [name, value] of [
      ['text-collation-a', a],
      ['image-collation-a', a],
      ['text-collation-b', b],
      ['image-collation-b', b],
    ] as const) {
      this.#state.pins[name] = { value, tries: PINS[name].maxTries };
      this.#session.verified.delete(name);
    }
    this.#changed();
  }

  /** Sets a PIN and resets its counter: hand-over at issue, and unlocking at the counter. */
  async setPin(issuerKey: Uint8Array, pin: PinName, value: string): Promise<void> {
    await this.#checkIssuer(issuerKey);
    const spec = PINS[checkPinName(pin)];
    if (typeof value !== 'string' || !spec.format.test(value)) {
      throw new ChipError('CHIP_PIN_FORMAT', `${pin} PIN must be ${spec.formatText}`);
    }
    this.#state.pins[pin] = { value, tries: spec.maxTries };
    this.#session.verified.delete(pin);
    this.#changed();
  }

  /** Renewal: installs a new certificate (and optionally a new CA certificate) for a slot. */
  async replaceCertificate(
    issuerKey: Uint8Array,
    slot: KeySlot,
    der: Uint8Array,
    caDer?: Uint8Array,
  ): Promise<void> {
    await this.#checkIssuer(issuerKey);
    checkSlot(slot);
    const current = this.#state.content;
    if (current === undefined)
      throw new ChipError('CHIP_STATE', 'write the content before replacing a certificate');
    const next: ChipContent =
      slot === 'signature'
        ? {
            ...current,
            signatureCertificate: new Uint8Array(der),
            signatureCaCertificate: new Uint8Array(
              caDer ?? current.signatureCaCertificate ?? new Uint8Array(0),
            ),
          }
        : {
            ...current,
            authenticationCertificate: new Uint8Array(der),
            authenticationCaCertificate: new Uint8Array(caDer ?? current.authenticationCaCertificate),
          };
    this.#setContent(next);
    this.#changed();
  }

  /** Ends personalization; from now on the chip answers every command. */
  async finalize(issuerKey: Uint8Array): Promise<void> {
    await this.#checkIssuer(issuerKey);
    const s = this.#state;
    const missing: string[] = [];
    if (s.lifecycle !== 'personalizing') throw new ChipError('CHIP_STATE', 'chip is already issued');
    if (s.content === undefined) missing.push('content');
    if (s.keys.authentication === undefined) missing.push('authentication key');
    if (s.pins.authentication.value === null) missing.push('authentication PIN');
    if (s.pins.text.value === null) missing.push('text PIN');
    if (s.content?.signatureCertificate !== undefined) {
      if (s.keys.signature === undefined) missing.push('signature key');
      if (s.pins.signature.value === null) missing.push('signature password');
    }
    if (missing.length > 0)
      throw new ChipError('CHIP_STATE', `cannot finalize, missing: ${missing.join(', ')}`);
    s.lifecycle = 'issued';
    this.#changed();
  }

  async #checkIssuer(issuerKey: Uint8Array): Promise<void> {
    const ok = issuerKey instanceof Uint8Array && issuerKey.length === 32;
    const hash = await sha256(ok ? issuerKey : new Uint8Array(32));
    if (!(constantTimeEqual(hash, this.#state.issuerKeyHash) && ok)) {
      throw new ChipError('CHIP_ISSUER_KEY', 'wrong issuer key');
    }
  }

  #setContent(content: ChipContent): void {
    checkContent(content);
    this.#files = buildFiles(content); // throws before anything changes if a file is too large
    this.#state.content = content;
  }

  #changed(): void {
    this.#changes++;
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch {
        // A listener's failure must not break the card.
      }
    }
  }

  // ---- APDU processing ----------------------------------------------------------------------

  #process(bytes: Uint8Array): Reply {
    let cmd: CommandApdu;
    try {
      cmd = parseCommandApdu(bytes);
    } catch (e) {
      if (e instanceof ApduError) return reply(e.sw);
      throw e;
    }
    if (cmd.cla !== 0x00 && cmd.cla !== 0x80) return reply(SW.CLA_NOT_SUPPORTED);
    const command = COMMANDS.get(cmd.ins);
    if (command === undefined) return reply(SW.INS_NOT_SUPPORTED);
    if (cmd.cla !== command.cla) return reply(SW.CLA_NOT_SUPPORTED);
    if (this.#state.lifecycle !== 'issued' && cmd.ins !== 0xa4) return reply(SW.CONDITIONS_NOT_SATISFIED);
    switch (command.name) {
      case 'select':
        return this.#select(cmd);
      case 'read':
        return this.#readBinary(cmd);
      case 'verify':
        return this.#verify(cmd);
      case 'change':
        return this.#changeReferenceData(cmd);
      case 'sign':
        return this.#sign(cmd);
    }
  }

  #resolve(app: AppName, fid: string): ResolvedEf | undefined {
    const key = app === 'JPKI' ? KEY_EFS[fid] : undefined;
    if (key !== undefined) {
      const k = this.#state.keys[key.slot];
      return k === undefined ? undefined : { type: 'key', slot: key.slot, pin: key.pin, jwk: k.jwk };
    }
    const pin = PIN_NAMES.find((n) => PINS[n].app === app && PINS[n].fid === fid);
    if (pin !== undefined)
      return this.#state.pins[pin].value === null ? undefined : { type: 'pin', name: pin };
    const bytes = this.#files?.[app].get(fid);
    return bytes === undefined ? undefined : { type: 'data', bytes, readPins: READ_RULES[app]?.[fid] };
  }

  #currentEf(): ResolvedEf | undefined {
    const { app, ef } = this.#session;
    return app === undefined || ef === undefined ? undefined : this.#resolve(app, ef);
  }

  #select(cmd: CommandApdu): Reply {
    if (cmd.p2 !== 0x0c && cmd.p2 !== 0x00) return reply(SW.INCORRECT_P1P2);
    if (cmd.p1 === 0x04) {
      if (cmd.data.length < 5 || cmd.data.length > 16) return reply(SW.WRONG_LENGTH);
      const app = APP_BY_AID.get(toHex(cmd.data));
      if (app === undefined) return reply(SW.FILE_NOT_FOUND);
      // Selecting an application drops every verified PIN.
      this.#session = { app, ef: undefined, verified: new Set() };
      return reply(SW.OK);
    }
    if (cmd.p1 === 0x02) {
      if (cmd.data.length !== 2) return reply(SW.WRONG_LENGTH);
      const { app } = this.#session;
      const fid = toHex(cmd.data);
      if (app === undefined || this.#resolve(app, fid) === undefined) return reply(SW.FILE_NOT_FOUND);
      this.#session.ef = fid;
      return reply(SW.OK);
    }
    return reply(SW.INCORRECT_P1P2);
  }

  #readBinary(cmd: CommandApdu): Reply {
    if (cmd.p1 & 0x80) return reply(SW.INCORRECT_P1P2); // short EF identifiers are not supported
    if (cmd.data.length > 0 || cmd.le === undefined) return reply(SW.WRONG_LENGTH);
    const ef = this.#currentEf();
    if (ef === undefined || ef.type !== 'data') return reply(SW.NO_CURRENT_EF);
    if (ef.readPins !== undefined && !ef.readPins.some((p) => this.#session.verified.has(p))) {
      return reply(SW.SECURITY_STATUS_NOT_SATISFIED);
    }
    const offset = (cmd.p1 << 8) | cmd.p2;
    if (offset >= ef.bytes.length) return reply(SW.WRONG_OFFSET);
    return reply(SW.OK, ef.bytes.slice(offset, offset + cmd.le));
  }

  #verify(cmd: CommandApdu): Reply {
    if (cmd.p1 !== 0x00 || cmd.p2 !== 0x80) return reply(SW.INCORRECT_P1P2);
    const ef = this.#currentEf();
    if (ef?.type !== 'pin') return reply(SW.NO_CURRENT_EF);
    if (cmd.data.length > MAX_PIN_LENGTH) return reply(SW.WRONG_LENGTH);
    const pin = this.#state.pins[ef.name];
    if (pin.tries === 0) return reply(SW.AUTH_METHOD_BLOCKED);
    if (cmd.data.length === 0) return reply(triesLeftSw(pin.tries));
    if (constantTimeEqual(cmd.data, utf8(pin.value ?? ''))) {
      this.#session.verified.add(ef.name);
      if (pin.tries !== PINS[ef.name].maxTries) {
        pin.tries = PINS[ef.name].maxTries;
        this.#changed();
      }
      return reply(SW.OK);
    }
    this.#session.verified.delete(ef.name);
    pin.tries -= 1;
    this.#changed();
    return reply(triesLeftSw(pin.tries));
  }

  #changeReferenceData(cmd: CommandApdu): Reply {
    if (cmd.p1 !== 0x01 || cmd.p2 !== 0x80) return reply(SW.INCORRECT_P1P2);
    const ef = this.#currentEf();
    if (ef?.type !== 'pin') return reply(SW.NO_CURRENT_EF);
    const spec = PINS[ef.name];
    const pin = this.#state.pins[ef.name];
    if (!spec.changeable) return reply(SW.CONDITIONS_NOT_SATISFIED);
    if (pin.tries === 0) return reply(SW.AUTH_METHOD_BLOCKED);
    if (!this.#session.verified.has(ef.name)) return reply(SW.SECURITY_STATUS_NOT_SATISFIED);
    if (cmd.data.length === 0 || cmd.data.length > MAX_PIN_LENGTH) return reply(SW.WRONG_LENGTH);
    let value: string;
    try {
      value = fromUtf8(cmd.data);
    } catch {
      return reply(SW.WRONG_DATA);
    }
    if (!spec.format.test(value)) return reply(SW.WRONG_DATA);
    this.#state.pins[ef.name] = { value, tries: spec.maxTries };
    this.#changed();
    return reply(SW.OK);
  }

  #sign(cmd: CommandApdu): Reply {
    if (cmd.p1 !== 0x00 || cmd.p2 !== 0x80) return reply(SW.INCORRECT_P1P2);
    const ef = this.#currentEf();
    if (ef?.type !== 'key') return reply(SW.NO_CURRENT_EF);
    if (!this.#session.verified.has(ef.pin)) return reply(SW.SECURITY_STATUS_NOT_SATISFIED);
    if (cmd.data.length === 0) return reply(SW.WRONG_LENGTH);
    if (digestInfoAlgorithm(cmd.data) === undefined) return reply(SW.WRONG_DATA);
    return reply(SW.OK, signDigestInfo(ef.jwk, cmd.data));
  }
}

const COMMANDS = new Map<number, { cla: number; name: 'select' | 'read' | 'verify' | 'change' | 'sign' }>([
  [0xa4, { cla: 0x00, name: 'select' }],
  [0xb0, { cla: 0x00, name: 'read' }],
  [0x20, { cla: 0x00, name: 'verify' }],
  [0x24, { cla: 0x00, name: 'change' }],
  [0x2a, { cla: 0x80, name: 'sign' }],
]);

function checkPinName(pin: PinName): PinName {
  if (!Object.hasOwn(PINS, pin)) throw new ChipError('CHIP_ARGUMENT', `unknown PIN ${String(pin)}`);
  return pin;
}

function checkSlot(slot: KeySlot): void {
  if (slot !== 'signature' && slot !== 'authentication') {
    throw new ChipError('CHIP_ARGUMENT', `unknown key slot ${String(slot)}`);
  }
}

/** Keeps only the known fields and copies the arrays, so later changes by the caller cannot reach into the chip. */
function copyContent(c: ChipContent): ChipContent {
  const bytes = (v: Uint8Array | undefined) => (v instanceof Uint8Array ? new Uint8Array(v) : v);
  const out = {
    signatureCertificate: bytes(c.signatureCertificate),
    signatureCaCertificate: bytes(c.signatureCaCertificate),
    authenticationCertificate: bytes(c.authenticationCertificate),
    authenticationCaCertificate: bytes(c.authenticationCaCertificate),
    number: c.number,
    name: c.name,
    address: c.address,
    birthDate: c.birthDate,
    sex: c.sex,
    expiry: c.expiry,
    securityCode: c.securityCode,
    photo: bytes(c.photo),
  };
  for (const k of Object.keys(out) as (keyof typeof out)[]) if (out[k] === undefined) delete out[k];
  return out as ChipContent;
}
