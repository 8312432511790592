import type { Rng } from './prng.ts';

/**
 * The town's streets: a set of 町名 with their 丁目 counts and postal codes. Japanese
 * addresses are 都道府県 + 市区町村 + 町名 + 丁目 + 番 + 号, and one postal code usually
 * covers one 町名, so the code is fixed per town.
 */
export interface Town {
  /** `${prefecture}${municipalityName}${name}`, ready to be extended with the 丁目. */
  readonly prefix: string;
  readonly postalCode: string;
  /** How many 丁目 the town has (1-5). */
  readonly chome: number;
  /** Relative share of the municipality's households. */
  readonly weight: number;
}

// Common 町名 across Japan; both ヶ and ケ spellings occur in real registers.
const TOWN_NAMES: readonly string[] = [
  '本町',
  '栄町',
  '緑ヶ丘',
  '桜ケ丘',
  '旭町',
  '幸町',
  '中央',
  '東町',
  '西町',
  '南町',
  '北町',
  '若葉台',
  '青葉台',
  '希望ヶ丘',
  '泉町',
  '大和町',
  '八幡町',
  '新町',
  '元町',
  '昭和町',
  '住吉町',
  '宮下',
  '松原',
  '梅ケ丘',
  '自由ヶ丘',
  '日の出町',
  '富士見町',
  '光ヶ丘',
  '春日町',
  '錦町',
  '寿町',
  '朝日町',
  '白山',
  '千代田',
  '平和台',
  '弥生町',
];

const BUILDINGS: readonly string[] = [
  'メゾン桜',
  'サンハイツ',
  'グリーンコーポ',
  'パークハイツ',
  'レジデンス中央',
  'コーポ緑',
  'ハイム若葉',
  'ロイヤルマンション',
  'シティハウス',
  'フォレスト壱番館',
];

// First two digits of postal codes by prefecture code (01 北海道 … 47 沖縄県).
const POSTAL_HEADS =
  '04 03 02 98 01 99 96 30 32 37 33 26 19 24 94 93 92 91 40 38 50 42 47 51 52 61 59 67 63 64 68 69 71 72 75 77 76 79 78 81 84 85 86 87 88 89 90'.split(
    ' ',
  );

/** How many 町名 a generated municipality has. */
export const TOWN_COUNT = 25;

/** Picks the municipality's towns and their postal codes, deterministically from the rng. */
export function planTowns(
  rng: Rng,
  prefecture: string,
  municipalityName: string,
  municipalityCode: string,
): Town[] {
  const pool = [...TOWN_NAMES];
  const prefCode = Number(municipalityCode.slice(0, 2));
  const head = POSTAL_HEADS[prefCode - 1] ?? String(10 + rng.int(90));
  const third = String(rng.int(10));
  const usedPostal = new Set<string>();
  const towns: Town[] = [];
  for (let i = 0; i < TOWN_COUNT && pool.length > 0; i++) {
    const name = pool.splice(rng.int(pool.length), 1)[0] ?? '本町';
    let postal: string;
    do postal = `${head}${third}${String(rng.int(10000)).padStart(4, '0')}`;
    while (usedPostal.has(postal));
    usedPostal.add(postal);
    towns.push({
      prefix: `${prefecture}${municipalityName}${name}`,
      postalCode: postal,
      chome: rng.range(1, 5),
      weight: 1 + rng.int(6),
    });
  }
  return towns;
}

/** An optional building and room, for the minority of households living in apartments. */
export function buildingSuffix(rng: Rng): string {
  const name = BUILDINGS[rng.int(BUILDINGS.length)] ?? 'サンハイツ';
  return ` ${name}${rng.range(1, 5)}0${rng.range(1, 8)}号室`;
}
