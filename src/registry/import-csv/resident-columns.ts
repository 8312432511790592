/**
 * The resident-register CSV columns as data. Municipal systems export the register with
 * Japanese headers whose spelling varies between vendors (氏カナ, 氏（カナ）, ふりがな氏),
 * so each canonical column lists every header we accept for it.
 */

export interface ResidentColumnSpec {
  /** The header Myna itself writes. */
  readonly header: string;
  /** Other accepted headers, Japanese and English. Matched after {@link normaliseHeader}. */
  readonly aliases: readonly string[];
  readonly required: boolean;
  /** What the column holds, for error messages and documentation. */
  readonly description: string;
}

export const RESIDENT_COLUMNS = {
  local_id: {
    header: 'local_id',
    aliases: ['宛名番号', '宛名コード', 'local id'],
    required: false,
    description: "the municipality's own resident number (宛名番号)",
  },
  municipality_code: {
    header: 'municipality_code',
    aliases: ['市区町村コード', '団体コード', 'municipality code'],
    required: true,
    description: 'the municipality code (市区町村コード)',
  },
  family_name: {
    header: 'family_name',
    aliases: ['氏', '姓', 'family name', 'surname'],
    required: true,
    description: 'family name (氏)',
  },
  given_name: {
    header: 'given_name',
    aliases: ['名', 'given name'],
    required: false,
    description: 'given name (名); some foreign residents have only one name',
  },
  family_name_kana: {
    header: 'family_name_kana',
    aliases: ['氏カナ', '氏（カナ）', 'ふりがな氏', '氏フリガナ', '氏ふりがな', 'family name kana'],
    required: false,
    description: 'family name in kana (氏カナ)',
  },
  given_name_kana: {
    header: 'given_name_kana',
    aliases: ['名カナ', '名（カナ）', 'ふりがな名', '名フリガナ', '名ふりがな', 'given name kana'],
    required: false,
    description: 'given name in kana (名カナ)',
  },
  birth_date: {
    header: 'birth_date',
    aliases: ['生年月日', 'birth date', 'date of birth'],
    required: true,
    description: 'date of birth (生年月日)',
  },
  sex: {
    header: 'sex',
    aliases: ['性別'],
    required: true,
    description: 'sex (性別)',
  },
  postal_code: {
    header: 'postal_code',
    aliases: ['郵便番号', 'postal code'],
    required: false,
    description: 'postal code (郵便番号)',
  },
  address: {
    header: 'address',
    aliases: ['住所'],
    required: true,
    description: 'address (住所)',
  },
  nationality: {
    header: 'nationality',
    aliases: ['国籍等', '国籍', '国籍・地域'],
    required: false,
    description: "nationality (国籍等): 'JP' or an ISO 3166 alpha-2 code; JP when omitted",
  },
  residence_status: {
    header: 'residence_status',
    aliases: ['在留資格', 'residence status'],
    required: false,
    description: 'status of residence (在留資格) of a foreign resident',
  },
  household_id: {
    header: 'household_id',
    aliases: ['世帯番号', 'household id'],
    required: false,
    description: 'household number (世帯番号)',
  },
  relationship: {
    header: 'relationship',
    aliases: ['続柄', '世帯主との続柄'],
    required: false,
    description: 'relationship to the head of household (続柄)',
  },
  moved_in_date: {
    header: 'moved_in_date',
    aliases: ['住定日', '異動日', 'moved in date'],
    required: false,
    description: 'date of moving in (住定日/異動日)',
  },
} as const satisfies Record<string, ResidentColumnSpec>;

/** A canonical column of the resident CSV. */
export type ResidentColumn = keyof typeof RESIDENT_COLUMNS;

/** Every canonical column, in catalogue order. */
export const RESIDENT_COLUMN_NAMES: readonly ResidentColumn[] = Object.keys(
  RESIDENT_COLUMNS,
) as ResidentColumn[];

/**
 * Header text as compared: NFKC folds full-width letters and brackets (氏（カナ） → 氏(カナ))
 * and turns the ideographic space into a plain one; a stray BOM is dropped; case is ignored.
 */
export function normaliseHeader(text: string): string {
  return text
    .replace(/\uFEFF/g, '')
    .normalize('NFKC')
    .trim()
    .toLowerCase();
}

/** Normalised header → canonical column, built once from the catalogue. */
export const HEADER_LOOKUP: ReadonlyMap<string, ResidentColumn> = (() => {
  const lookup = new Map<string, ResidentColumn>();
  for (const column of RESIDENT_COLUMN_NAMES) {
    const spec: ResidentColumnSpec = RESIDENT_COLUMNS[column];
    for (const name of [spec.header, ...spec.aliases]) lookup.set(normaliseHeader(name), column);
  }
  return lookup;
})();
