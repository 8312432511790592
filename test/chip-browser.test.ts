import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInContext } from 'node:vm';
import { browserLikeContext, chipScenarioBundle } from './support/chip-scenario.ts';

/**
 * The chip must run in a browser (the web app loads a card into it). Bundled for the
 * browser and run in a bare JavaScript context that has WebCrypto and text coding but no
 * Node (no Buffer, process, require or modules), it still personalizes, signs and saves.
 */
describe('the chip in a browser-like context', () => {
  it('bundles for the browser and works with WebCrypto alone', async () => {
    const code = await chipScenarioBundle();
    assert.ok(!/require\(["']node:/.test(code), 'no Node built-in in the bundle');
    const { context } = browserLikeContext();
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
