import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';

/**
 * The chip must run in a browser (the web app loads a card into it). Bundled for the
 * browser and run in a bare JavaScript context that has WebCrypto and text coding but no
 * Node (no Buffer, process, require or modules), it still personalizes, signs and saves.
 */
describe('the chip in a browser-like context', () => {
  it('bundles for the browser and works with WebCrypto alone', async () => {
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
    const code = bundle.outputFiles[0]!.text;
    assert.ok(!/require\(["']node:/.test(code), 'no Node built-in in the bundle');
    // WebCrypto checks its arguments against this realm's typed arrays, so the context
    // shares them (a browser has one realm for both).
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
    const context = createContext(sandbox);
    runInContext(code, context);
    assert.equal(
      runInContext('typeof Buffer + typeof process + typeof require', context),
      'undefinedundefinedundefined',
    );
    const result = (await runInContext('scenario()', context)) as {
      valid: boolean;
      number: string;
      length: number;
    };
    assert.deepEqual({ ...result }, { valid: true, number: '123456789018', length: 256 });
  });
});
