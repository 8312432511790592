import type { Sex } from '../matching/index.ts';

/** A resident's registered items, as a clerk submits them (validated). */
export interface ResidentInput {
  readonly municipalityCode: string;
  /** 宛名番号: the municipality's own id for the person, if it has one. */
  readonly localId?: string | undefined;
  /** Family name in kanji, or the full Latin-script name of a foreign resident. */
  readonly familyName: string;
  readonly givenName?: string | undefined;
  readonly familyNameKana?: string | undefined;
  readonly givenNameKana?: string | undefined;
  readonly birthDate: string;
  readonly sex: Sex;
  readonly postalCode?: string | undefined;
  readonly address: string;
  /** 'JP' for Japanese nationals, otherwise an ISO 3166-1 alpha-2 code. */
  readonly nationality: string;
  /** 在留資格 of a foreign resident (e.g. 永住者, 特別永住者, 技術・人文知識・国際業務). */
  readonly residenceStatus?: string | undefined;
  /** 世帯番号 and 続柄 (relationship to the head of household). */
  readonly householdId?: string | undefined;
  readonly relationship?: string | undefined;
  /** The date the person began living at the address (住定日); defaults to today. */
  readonly movedInDate?: string | undefined;
}

/** A resident as the register holds them now. */
export interface Resident {
  readonly id: string;
  readonly municipalityCode: string;
  readonly status: 'active' | 'deceased';
  /** 住民票コード: the register's own 11-digit code, distinct from the individual number. */
  readonly residentCode: string;
  readonly localId: string | null;
  readonly familyName: string;
  readonly givenName: string | null;
  readonly familyNameKana: string | null;
  readonly givenNameKana: string | null;
  readonly birthDate: string;
  readonly sex: Sex;
  readonly postalCode: string | null;
  readonly address: string;
  readonly nationality: string;
  readonly residenceStatus: string | null;
  readonly householdId: string | null;
  readonly relationship: string | null;
  readonly registeredAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** The items a life event or correction may change. */
export const MUTABLE_ITEMS = [
  'municipalityCode',
  'familyName',
  'givenName',
  'familyNameKana',
  'givenNameKana',
  'birthDate',
  'sex',
  'postalCode',
  'address',
  'nationality',
  'residenceStatus',
  'householdId',
  'relationship',
] as const;
export type MutableItem = (typeof MUTABLE_ITEMS)[number];

/** The four basic items (基本4情報): a change to any revokes the signature certificate. */
export const BASIC_ITEMS: readonly MutableItem[] = ['familyName', 'givenName', 'birthDate', 'sex', 'address'];
