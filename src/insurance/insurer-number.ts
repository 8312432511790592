/**
 * Insurer numbers (保険者番号, DOMAIN.md §2.1): 8 digits = 法別番号 (2) + 都道府県番号 (2)
 * + 保険者別番号 (3) + 検証番号 (1); national health insurance (国民健康保険) uses 6 digits,
 * without 法別番号. The check digit is Luhn over the body. Pure.
 */
export const INSURER_KINDS = ['employee', 'national-municipal', 'late-elderly'] as const;
export type InsurerKind = (typeof INSURER_KINDS)[number];

/** The check digit of an insurer number's body (everything but the last digit). */
export function insurerCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const d = Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 2 : 1);
    sum += d > 9 ? d - 9 : d;
  }
  return (10 - (sum % 10)) % 10;
}

export type InsurerNumberResult =
  | { ok: true; value: string; kind: InsurerKind; houbetsu: string | null }
  | { ok: false; message: string };

/**
 * Validates an insurer number and tells the kind it implies: 6 digits → national health
 * insurance of a municipality; 法別 39 → late-stage elderly (後期高齢者医療); any other
 * 8-digit number → an employee or other occupational insurer.
 *
 * @example
 * parseInsurerNumber('01130012'); // → { ok: true, value: '01130012', kind: 'employee', houbetsu: '01' }
 */
export function parseInsurerNumber(input: string): InsurerNumberResult {
  const s = input.normalize('NFKC').trim();
  if (!/^(\d{6}|\d{8})$/.test(s)) return { ok: false, message: 'an insurer number has 6 or 8 digits' };
  if (insurerCheckDigit(s.slice(0, -1)) !== Number(s.at(-1)))
    return { ok: false, message: 'the check digit (検証番号) is wrong' };
  if (s.length === 6) return { ok: true, value: s, kind: 'national-municipal', houbetsu: null };
  const houbetsu = s.slice(0, 2);
  const prefecture = Number(s.slice(2, 4));
  if (prefecture < 1 || prefecture > 47)
    return { ok: false, message: 'digits 3-4 of an insurer number are a prefecture code 01-47' };
  return { ok: true, value: s, kind: houbetsu === '39' ? 'late-elderly' : 'employee', houbetsu };
}
