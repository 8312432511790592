/** One synthetic resident, in the shape of a resident-register row (住民票). */
export interface SyntheticResident {
  /** 宛名番号: unique within one generated town. */
  localId: string;
  municipalityCode: string;
  /** Family name in kanji, or the Latin-capital family name (or whole name) of a foreign resident. */
  familyName: string;
  givenName?: string;
  familyNameKana?: string;
  givenNameKana?: string;
  /** YYYY-MM-DD, never after the generation's `today`. */
  birthDate: string;
  sex: 'male' | 'female' | 'unspecified';
  postalCode?: string;
  address: string;
  /** 'JP' or an ISO 3166-1 alpha-2 code. */
  nationality: string;
  /** 在留資格 of a foreign resident. */
  residenceStatus?: string;
  /** 世帯番号. */
  householdId: string;
  /** 続柄 to the head of household: 世帯主, 妻, 夫, 子, 父, 母, 孫, 同居人 … */
  relationship: string;
  /** 住定日: when the person began living at the address. */
  movedInDate?: string;
}

/** What {@link generateTown} needs. */
export interface TownOptions {
  /** Any 32-bit integer; the same seed and options give the same town. */
  seed: number;
  /** How many residents to generate. */
  count: number;
  municipalityCode: string;
  /** e.g. 'みどり市' — written into every address after the prefecture. */
  municipalityName: string;
  /** e.g. '群馬県'. */
  prefecture: string;
  /** YYYY-MM-DD: no birth or move-in is later. */
  today: string;
}

/** A change in a resident's life, as the register would record it. */
export type SyntheticEvent =
  | { kind: 'move'; effectiveDate: string; changes: { address: string; postalCode?: string } }
  | { kind: 'name-change'; effectiveDate: string; changes: { familyName: string; familyNameKana?: string } }
  | { kind: 'death'; effectiveDate: string };

export interface SyntheticLifeEvent {
  localId: string;
  event: SyntheticEvent;
}
