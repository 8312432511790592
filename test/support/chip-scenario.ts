import { createContext } from 'node:vm';
import { build } from 'esbuild';

/**
 * The virtual chip bundled for a browser with a scenario on `globalThis.scenario`:
 * personalize, sign, verify with WebCrypto, save and reopen, read the number.
 */
export async function chipScenarioBundle(): Promise<string> {
  const entry = `
    import { VirtualChip, createCardClient, digestInfoSha256 } from './src/chip/index.ts';
    globalThis.scenario = async () => {
      const issuerKey = crypto.getRandomValues(new Uint8Array(32));
      const chip = await VirtualChip.create({ issuerKey, cardId: 'browser-card' });
      const spki = await chip.generateKeyPair(issuerKey, 'authentication');
      const cert = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
      await chip.writeContent(issuerKey, {
        authenticationCertificate: cert, authenticationCaCertificate: cert,
        number: '123456789018', name: 'ブラウザ 太郎', address: '東京都千代田区1', birthDate: '19900101',
        sex: '1', expiry: '20360101', securityCode: '1234',
      });
      await chip.setPin(issuerKey, 'authentication', '1234');
      await chip.setPin(issuerKey, 'text', '5678');
      await chip.finalize(issuerKey);
      const client = createCardClient(chip);
      const message = new TextEncoder().encode('challenge');
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', message));
      const signature = await client.sign('authentication', '1234', digestInfoSha256(digest));
      const key = await crypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
      const valid = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, message);
      const cardKey = crypto.getRandomValues(new Uint8Array(32));
      const reopened = await VirtualChip.open(await chip.save(cardKey), cardKey);
      const number = await createCardClient(reopened).readNumber('5678');
      return { valid, number, length: signature.length };
    };`;
  const bundle = await build({
    stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    write: false,
    logLevel: 'silent',
  });
  return bundle.outputFiles[0]!.text;
}

export interface ScenarioResult {
  readonly valid: boolean;
  readonly number: string;
  readonly length: number;
}

/**
 * A bare JavaScript context with only what a browser offers the chip: WebCrypto and the
 * typed arrays (shared with this realm, since WebCrypto checks its arguments against
 * them — a browser has one realm for both). No Buffer, process or require.
 */
export function browserLikeContext(): {
  sandbox: Record<string, unknown>;
  context: ReturnType<typeof createContext>;
} {
  const sandbox: Record<string, unknown> = {
    crypto: globalThis.crypto,
    TextEncoder,
    TextDecoder,
    Uint8Array,
    Uint16Array,
    Uint32Array,
    Int8Array,
    ArrayBuffer,
    DataView,
  };
  sandbox['globalThis'] = sandbox;
  return { sandbox, context: createContext(sandbox) };
}
