import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createContext, runInContext } from 'node:vm';
import { chipScenarioBundle } from './support/chip-scenario.ts';

/**
 * The chip must run in a browser (the web app loads a card into it). Bundled for the
 * browser and run in a bare JavaScript context that has WebCrypto and text coding but no
 * Node (no Buffer, process, require or modules), it still personalizes, signs and saves.
 */
describe('the chip in a browser-like context', () => {
  it('bundles for the browser and works with WebCrypto alone', async () => {
    const code = await chipScenarioBundle();
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
