/**
 * One runner for the spec vectors in test/vectors/*.json. Each file cites its `source`
 * and lists `cases`; the runner knows how to check each file it has a handler for and
 * ignores files that belong to other domains' runners.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type NumberValidation,
  validateCorporateNumber,
  validateIndividualNumber,
} from '../src/number/check-digit.ts';
import { ff1Decrypt, ff1Encrypt } from '../src/number/ff1.ts';
import { validateMunicipalityCode } from '../src/number/municipality-code.ts';

interface VectorFile {
  readonly source: string;
  readonly alphabet?: string;
  readonly cases: readonly Record<string, unknown>[];
}

type CaseCheck = (c: Record<string, unknown>, file: VectorFile) => void;

const dir = fileURLToPath(new URL('./vectors/', import.meta.url));

function text(c: Record<string, unknown>, field: string): string {
  const value = c[field];
  assert.equal(typeof value, 'string', `vector field "${field}" must be a string`);
  return value as string;
}

/** Cases shaped `{ input, ok: true, value }` or `{ input, ok: false, code, message? }`. */
function validatorCase(validate: (input: string) => NumberValidation): CaseCheck {
  return (c) => {
    const result = validate(text(c, 'input'));
    if (c['ok'] === true) {
      assert.deepEqual(result, { ok: true, value: text(c, 'value') });
      return;
    }
    assert.equal(result.ok, false, 'expected the input to be rejected');
    if (result.ok) return;
    assert.equal(result.code, text(c, 'code'));
    if (c['message'] !== undefined) assert.ok(result.message.includes(text(c, 'message')), result.message);
  };
}

function ff1Case(c: Record<string, unknown>, file: VectorFile): void {
  const alphabet = file.alphabet ?? '0123456789';
  const key = Buffer.from(text(c, 'key'), 'hex');
  const tweak = Buffer.from(text(c, 'tweak'), 'hex');
  const radix = c['radix'];
  assert.equal(typeof radix, 'number');
  const toDigits = (s: string): number[] => [...s].map((ch) => alphabet.indexOf(ch));
  const toText = (ds: number[]): string => ds.map((d) => alphabet[d]).join('');
  const plaintext = text(c, 'plaintext');
  const ciphertext = text(c, 'ciphertext');
  assert.equal(toText(ff1Encrypt(key, tweak, radix as number, toDigits(plaintext))), ciphertext);
  assert.equal(toText(ff1Decrypt(key, tweak, radix as number, toDigits(ciphertext))), plaintext);
}

const handlers: Record<string, CaseCheck> = {
  'individual-number.json': validatorCase(validateIndividualNumber),
  'corporate-number.json': validatorCase(validateCorporateNumber),
  'municipality-code.json': validatorCase(validateMunicipalityCode),
  'ff1-nist.json': ff1Case,
};

describe('spec vectors', () => {
  const present = readdirSync(dir).filter((name) => name.endsWith('.json'));

  it('has a file for every handler', () => {
    for (const name of Object.keys(handlers))
      assert.ok(present.includes(name), `missing test/vectors/${name}`);
  });

  for (const name of present) {
    const check = handlers[name];
    if (check === undefined) continue; // another domain's vectors
    const file = JSON.parse(readFileSync(join(dir, name), 'utf8')) as VectorFile;
    describe(name, () => {
      it('cites a source and has cases', () => {
        assert.ok(file.source.length > 0);
        assert.ok(file.cases.length > 0);
      });
      file.cases.forEach((c, index) => {
        const label = String(c['input'] ?? c['sample'] ?? index);
        it(`case ${index}: ${JSON.stringify(label)}${c['note'] ? ` (${String(c['note'])})` : ''}`, () => {
          check(c, file);
        });
      });
    });
  }
});
