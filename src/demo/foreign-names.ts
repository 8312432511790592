/**
 * Foreign residents by nationality: roughly the mix of Japan's foreign population
 * (China, Viet Nam, Korea, the Philippines, Brazil, Nepal…), their names as the register
 * writes them (Latin capitals, family name first, optional katakana), and the statuses
 * of residence (在留資格) people of that nationality most often hold.
 */
export interface NamePart {
  readonly latin: string;
  readonly kana: string;
}

export interface Nationality {
  /** ISO 3166-1 alpha-2. */
  readonly code: string;
  readonly weight: number;
  readonly family: readonly NamePart[];
  /** Empty when the naming custom has no family name (Myanmar): the whole name goes in familyName. */
  readonly male: readonly NamePart[];
  readonly female: readonly NamePart[];
  /** Whether a wife usually keeps her own family name (China, Korea, Viet Nam…). */
  readonly wifeKeepsName: boolean;
  /** Status of the main person of a household, with weights. */
  readonly statuses: readonly (readonly [status: string, weight: number])[];
}

const parts = (text: string): NamePart[] =>
  text.split(';').map((pair) => {
    const [latin = '', kana = ''] = pair.split('=');
    return { latin, kana };
  });

export const NATIONALITIES: readonly Nationality[] = [
  {
    code: 'CN',
    weight: 24,
    family: parts(
      'WANG=ワン;LI=リ;ZHANG=チャン;LIU=リュウ;CHEN=チェン;YANG=ヤン;ZHAO=チャオ;HUANG=ホアン;ZHOU=チョウ;WU=ウー',
    ),
    male: parts(
      'WEI=ウェイ;HAO=ハオ;JIANGUO=ジェングオ;ZHIWEI=ジーウェイ;HAOYU=ハオユー;JUN=ジュン;YONG=ヨン;TAO=タオ',
    ),
    female: parts(
      'FANG=ファン;JING=ジン;LINA=リナ;XIAOHONG=シャオホン;MEI=メイ;YAN=イエン;HUI=ホイ;XIU YING=シウ イン',
    ),
    wifeKeepsName: true,
    statuses: [
      ['永住者', 35],
      ['技術・人文知識・国際業務', 25],
      ['留学', 20],
      ['技能実習', 10],
      ['定住者', 5],
    ],
  },
  {
    code: 'VN',
    weight: 17,
    family: parts(
      'NGUYEN=グエン;TRAN=チャン;LE=レ;PHAM=ファム;HOANG=ホアン;VU=ヴ;DANG=ダン;BUI=ブイ;DO=ド;NGO=ゴ',
    ),
    male: parts(
      'VAN AN=ヴァン アン;VAN HUNG=ヴァン フン;DUC MINH=ドゥック ミン;QUANG HUY=クアン フイ;MINH TUAN=ミン トゥアン;VAN NAM=ヴァン ナム;THANH LONG=タイン ロン',
    ),
    female: parts(
      'THI HOA=ティ ホア;THI LAN=ティ ラン;THI MAI=ティ マイ;THU TRANG=トゥ チャン;NGOC ANH=ゴック アイン;THI HUONG=ティ フオン;THI THAO=ティ タオ',
    ),
    wifeKeepsName: true,
    statuses: [
      ['技能実習', 40],
      ['技術・人文知識・国際業務', 25],
      ['留学', 20],
      ['特定技能', 12],
      ['永住者', 3],
    ],
  },
  {
    code: 'KR',
    weight: 12,
    family: parts(
      'KIM=キム;LEE=イ;PARK=パク;CHOI=チェ;JUNG=チョン;KANG=カン;CHO=チョ;YOON=ユン;JANG=チャン;LIM=イム',
    ),
    male: parts(
      'MIN JUN=ミンジュン;JI HOON=ジフン;SUNG HO=ソンホ;YOUNG SOO=ヨンス;DONG HYUN=ドンヒョン;JAE WON=ジェウォン',
    ),
    female: parts(
      'SEO YEON=ソヨン;JI YOUNG=ジヨン;MI KYUNG=ミギョン;HYE JIN=ヘジン;SOO JIN=スジン;YOUNG HEE=ヨンヒ',
    ),
    wifeKeepsName: true,
    statuses: [
      ['特別永住者', 55],
      ['永住者', 20],
      ['技術・人文知識・国際業務', 15],
      ['留学', 10],
    ],
  },
  {
    code: 'PH',
    weight: 9,
    family: parts(
      'SANTOS=サントス;REYES=レイエス;CRUZ=クルス;BAUTISTA=バウティスタ;GARCIA=ガルシア;MENDOZA=メンドーサ;DELA CRUZ=デラ クルス;RAMOS=ラモス',
    ),
    male: parts(
      'JOSE=ホセ;MARK ANTHONY=マーク アンソニー;JOHN PAUL=ジョン ポール;RONALDO=ロナルド;JERICHO=ジェリコ',
    ),
    female: parts(
      'MARIA CRISTINA=マリア クリスティーナ;MARICEL=マリセル;JOCELYN=ジョセリン;ROSALIE=ロザリー;ANGELICA=アンジェリカ',
    ),
    wifeKeepsName: false,
    statuses: [
      ['永住者', 45],
      ['定住者', 15],
      ['技能実習', 20],
      ['特定技能', 20],
    ],
  },
  {
    code: 'BR',
    weight: 6,
    family: parts(
      'SILVA=シルバ;SANTOS=サントス;OLIVEIRA=オリベイラ;SOUZA=ソウザ;PEREIRA=ペレイラ;COSTA=コスタ;NAKAMURA=ナカムラ;HIGA=ヒガ',
    ),
    male: parts(
      'LUCAS=ルーカス;RAFAEL=ハファエル;GABRIEL=ガブリエル;CARLOS EDUARDO=カルロス エドゥアルド;PAULO=パウロ',
    ),
    female: parts(
      'ANA PAULA=アナ パウラ;JULIANA=ジュリアナ;FERNANDA=フェルナンダ;MARIANA=マリアナ;CAMILA=カミラ',
    ),
    wifeKeepsName: false,
    statuses: [
      ['永住者', 60],
      ['定住者', 40],
    ],
  },
  {
    code: 'NP',
    weight: 5,
    family: parts(
      'SHRESTHA=シュレスタ;GURUNG=グルン;TAMANG=タマン;RAI=ライ;THAPA=タパ;MAGAR=マガル;ADHIKARI=アディカリ',
    ),
    male: parts('RAM=ラム;BISHNU=ビシュヌ;SURAJ=スラジ;ANIL=アニル;PRAKASH=プラカシュ'),
    female: parts('SITA=シタ;GITA=ギタ;SABINA=サビナ;ANJALI=アンジャリ;PUJA=プジャ'),
    wifeKeepsName: true,
    statuses: [
      ['留学', 40],
      ['技術・人文知識・国際業務', 30],
      ['技能', 25],
      ['永住者', 5],
    ],
  },
  {
    code: 'ID',
    weight: 4,
    family: parts(
      'PRATAMA=プラタマ;SAPUTRA=サプトラ;WIJAYA=ウィジャヤ;HIDAYAT=ヒダヤット;SETIAWAN=セティアワン;KURNIAWAN=クルニアワン',
    ),
    male: parts('BUDI=ブディ;AGUS=アグス;RIZKY=リズキ;DWI=ドゥイ'),
    female: parts('SITI=シティ;DEWI=デウィ;PUTRI=プトゥリ;AYU=アユ'),
    wifeKeepsName: true,
    statuses: [
      ['技能実習', 50],
      ['特定技能', 30],
      ['留学', 10],
      ['技術・人文知識・国際業務', 10],
    ],
  },
  {
    code: 'MM',
    weight: 2,
    family: parts(
      'AUNG KYAW MIN=アウン チョー ミン;THANDAR AYE=タンダー エー;ZAW MIN HTUT=ゾー ミン トゥッ;SU MYAT NOE=スー ミャッ ノー',
    ),
    male: [],
    female: [],
    wifeKeepsName: true,
    statuses: [
      ['技能実習', 45],
      ['特定技能', 35],
      ['留学', 20],
    ],
  },
  {
    code: 'US',
    weight: 2,
    family: parts(
      'SMITH=スミス;JOHNSON=ジョンソン;WILLIAMS=ウィリアムズ;BROWN=ブラウン;JONES=ジョーンズ;MILLER=ミラー;DAVIS=デイビス',
    ),
    male: parts(
      'JOHN MICHAEL=ジョン マイケル;DAVID=デイビッド;JAMES=ジェームズ;ROBERT=ロバート;CHRISTOPHER=クリストファー',
    ),
    female: parts('JENNIFER=ジェニファー;SARAH=サラ;EMILY=エミリー;JESSICA=ジェシカ;ASHLEY=アシュリー'),
    wifeKeepsName: false,
    statuses: [
      ['技術・人文知識・国際業務', 40],
      ['教育', 25],
      ['永住者', 35],
    ],
  },
];

/** Statuses that do not allow bringing a family (trainees, specified skilled workers type 1). */
export const SINGLE_ONLY_STATUSES: ReadonlySet<string> = new Set(['技能実習', '特定技能']);

/**
 * The status a spouse or child gets: 家族滞在 for the family of a worker or student;
 * permanent residents' families hold 永住者の配偶者等; special permanent residents and
 * long-term residents pass on their own status.
 */
export function dependantStatus(mainStatus: string): string {
  switch (mainStatus) {
    case '永住者':
      return '永住者の配偶者等';
    case '特別永住者':
    case '定住者':
      return mainStatus;
    default:
      return '家族滞在';
  }
}
