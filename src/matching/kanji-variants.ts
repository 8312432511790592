/**
 * Kanji variant groups for MATCHING ONLY.
 *
 * The register must store and display a name exactly as the resident writes it: 髙橋 and
 * 高橋 are different spellings of a family name, and many people care which one appears on
 * their card (the register's own character set, including 外字 and IVS glyph variants,
 * exists for that reason). But the same person is routinely written with the
 * everyday form on one form and the traditional (旧字体) or variant (異体字) form on
 * another — an insurer's enrolment sheet typed on a PC without the glyph, a hand-written
 * move-in notice, a bank's 常用漢字-only system. A search or duplicate check that treats
 * them as different misses the person; so search keys fold each group to one form.
 * Never write a folded value back to a record or show it to anyone.
 *
 * Each entry is `[canonical, variants]`. The canonical form is the everyday (新字体 /
 * 常用) one. Only code points that survive NFKC are listed: the CJK compatibility
 * ideographs that NFKC already maps (e.g. 塚 U+FA10 → 塚) need no entry, but the twelve
 * that NFKC keeps (﨑 U+FA11 among them) do. Glyph variants selected with variation
 * selectors (葛󠄀, 辻󠄀) are handled by dropping the selector, not here.
 *
 * Some pairs are distinct characters with separate histories that people nevertheless
 * confuse constantly (斉/斎, 竜/龍, 渕/淵). They are folded because a search key must
 * find candidates; linking still requires all four basic items to match, so folding
 * widens the candidate list without auto-linking anyone.
 */
export const KANJI_VARIANT_GROUPS: readonly (readonly [canonical: string, variants: string])[] = [
  ['高', '髙'],
  ['崎', '﨑嵜'],
  ['辺', '邊邉'],
  ['斎', '齋齊斉'],
  ['浜', '濵濱'],
  ['沢', '澤'],
  ['桜', '櫻'],
  ['広', '廣'],
  ['国', '國圀'],
  ['島', '嶋嶌'],
  ['富', '冨'],
  ['真', '眞'],
  ['恵', '惠'],
  ['徳', '德'],
  ['槙', '槇'],
  ['籠', '篭'],
  ['淵', '渕'],
  ['竜', '龍'],
  ['万', '萬'],
  ['学', '學'],
  ['栄', '榮'],
  ['実', '實'],
  ['寿', '壽'],
  ['蔵', '藏'],
  ['来', '來'],
  ['会', '會'],
  ['関', '關'],
  ['静', '靜'],
  ['渋', '澁'],
  ['満', '滿'],
  ['礼', '禮'],
  ['与', '與'],
  ['亀', '龜'],
  ['鉄', '鐵'],
  ['伝', '傳'],
  ['県', '縣'],
  ['円', '圓'],
  ['団', '團'],
  ['宝', '寶寳'],
  ['浅', '淺'],
  ['条', '條'],
  ['峰', '峯'],
  ['岳', '嶽'],
  ['桑', '桒'],
  ['柳', '栁'],
  ['黒', '黑'],
  ['清', '淸'],
  ['青', '靑'],
  ['郷', '鄕鄉'],
  ['曽', '曾'],
  ['増', '增'],
  ['横', '橫'],
  ['晋', '晉'],
  ['豊', '豐'],
  ['弥', '彌'],
  ['児', '兒'],
  ['戸', '戶'],
  ['吉', '𠮷'],
  ['瀬', '瀨'],
  ['祢', '禰'],
  ['頼', '賴'],
  ['顕', '顯'],
  ['芦', '蘆'],
  ['蛍', '螢'],
  ['穂', '穗'],
  ['絵', '繪'],
  ['桧', '檜'],
  ['壮', '壯'],
  ['荘', '莊'],
  ['巌', '巖'],
  ['恒', '恆'],
  ['昇', '曻'],
  ['遥', '遙'],
];

/** Variant → canonical, one entry per variant code point (𠮷 is outside the BMP). */
export const KANJI_VARIANTS: ReadonlyMap<string, string> = new Map(
  KANJI_VARIANT_GROUPS.flatMap(([canonical, variants]) =>
    Array.from(variants, (variant) => [variant, canonical] as const),
  ),
);
