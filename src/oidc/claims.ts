import { ageOn } from '../card/index.ts';
import type { Resident } from '../registry/index.ts';

/**
 * The items a relying party may ask for, one OpenID Connect scope each, so the person
 * can agree to each separately. Every item names the claims it releases; the pairwise
 * `sub` comes with `openid` and needs no consent of its own.
 */
export const CLAIM_ITEMS = ['name', 'address', 'birthdate', 'gender', 'over_18', 'over_20'] as const;
export type ClaimItem = (typeof CLAIM_ITEMS)[number];

export const CLAIMS_OF: Readonly<Record<ClaimItem, readonly string[]>> = {
  name: ['name', 'family_name', 'given_name'],
  address: ['address'],
  birthdate: ['birthdate'],
  gender: ['gender'],
  over_18: ['over_18'],
  over_20: ['over_20'],
};

/** How the consent screen names each item, Japanese first. */
export const ITEM_LABELS: Readonly<Record<ClaimItem, { readonly ja: string; readonly en: string }>> = {
  name: { ja: '氏名', en: 'Name' },
  address: { ja: '住所', en: 'Address' },
  birthdate: { ja: '生年月日', en: 'Date of birth' },
  gender: { ja: '性別', en: 'Sex' },
  over_18: {
    ja: '18歳以上かどうか（生年月日は渡しません）',
    en: 'Whether you are 18 or over (not your birth date)',
  },
  over_20: {
    ja: '20歳以上かどうか（生年月日は渡しません）',
    en: 'Whether you are 20 or over (not your birth date)',
  },
};

export function isClaimItem(value: string): value is ClaimItem {
  return (CLAIM_ITEMS as readonly string[]).includes(value);
}

/** The items among a space-separated scope, in the canonical order. */
export function itemsOfScope(scope: string | undefined): ClaimItem[] {
  const scopes = new Set((scope ?? '').split(' '));
  return CLAIM_ITEMS.filter((item) => scopes.has(item));
}

/** The register's sex as an OpenID Connect `gender` (ISO 5218 code 9 → `unspecified`). */
const GENDER = { male: 'male', female: 'female', unspecified: 'unspecified' } as const;

/**
 * The claims for the granted items, from the register's record, on `today` (Japan's
 * calendar date). Age claims are computed here, so the birth date never leaves.
 */
export function claimsFor(
  resident: Resident,
  items: readonly ClaimItem[],
  today: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    switch (item) {
      case 'name': {
        const given = resident.givenName ?? undefined;
        out['name'] = given === undefined ? resident.familyName : `${resident.familyName} ${given}`;
        out['family_name'] = resident.familyName;
        if (given !== undefined) out['given_name'] = given;
        break;
      }
      case 'address':
        out['address'] = {
          formatted: resident.address,
          ...(resident.postalCode === null
            ? {}
            : { postal_code: `${resident.postalCode.slice(0, 3)}-${resident.postalCode.slice(3)}` }),
          country: 'JP',
        };
        break;
      case 'birthdate':
        out['birthdate'] = resident.birthDate;
        break;
      case 'gender':
        out['gender'] = GENDER[resident.sex];
        break;
      case 'over_18':
        out['over_18'] = ageOn(resident.birthDate, today) >= 18;
        break;
      case 'over_20':
        out['over_20'] = ageOn(resident.birthDate, today) >= 20;
        break;
    }
  }
  return out;
}
