/**
 * Japan's 47 prefectures by their JIS X 0401 code ('01' Hokkaido … '47' Okinawa), the code a kiosk's
 * location is stored under, with the names operators read (Japanese first, English) and the
 * region each belongs to, in the official order (north to south).
 */
export const PREFECTURES = [
  { code: '01', ja: '北海道', en: 'Hokkaido', region: 'hokkaido' },
  { code: '02', ja: '青森県', en: 'Aomori', region: 'tohoku' },
  { code: '03', ja: '岩手県', en: 'Iwate', region: 'tohoku' },
  { code: '04', ja: '宮城県', en: 'Miyagi', region: 'tohoku' },
  { code: '05', ja: '秋田県', en: 'Akita', region: 'tohoku' },
  { code: '06', ja: '山形県', en: 'Yamagata', region: 'tohoku' },
  { code: '07', ja: '福島県', en: 'Fukushima', region: 'tohoku' },
  { code: '08', ja: '茨城県', en: 'Ibaraki', region: 'kanto' },
  { code: '09', ja: '栃木県', en: 'Tochigi', region: 'kanto' },
  { code: '10', ja: '群馬県', en: 'Gunma', region: 'kanto' },
  { code: '11', ja: '埼玉県', en: 'Saitama', region: 'kanto' },
  { code: '12', ja: '千葉県', en: 'Chiba', region: 'kanto' },
  { code: '13', ja: '東京都', en: 'Tokyo', region: 'kanto' },
  { code: '14', ja: '神奈川県', en: 'Kanagawa', region: 'kanto' },
  { code: '15', ja: '新潟県', en: 'Niigata', region: 'chubu' },
  { code: '16', ja: '富山県', en: 'Toyama', region: 'chubu' },
  { code: '17', ja: '石川県', en: 'Ishikawa', region: 'chubu' },
  { code: '18', ja: '福井県', en: 'Fukui', region: 'chubu' },
  { code: '19', ja: '山梨県', en: 'Yamanashi', region: 'chubu' },
  { code: '20', ja: '長野県', en: 'Nagano', region: 'chubu' },
  { code: '21', ja: '岐阜県', en: 'Gifu', region: 'chubu' },
  { code: '22', ja: '静岡県', en: 'Shizuoka', region: 'chubu' },
  { code: '23', ja: '愛知県', en: 'Aichi', region: 'chubu' },
  { code: '24', ja: '三重県', en: 'Mie', region: 'kinki' },
  { code: '25', ja: '滋賀県', en: 'Shiga', region: 'kinki' },
  { code: '26', ja: '京都府', en: 'Kyoto', region: 'kinki' },
  { code: '27', ja: '大阪府', en: 'Osaka', region: 'kinki' },
  { code: '28', ja: '兵庫県', en: 'Hyogo', region: 'kinki' },
  { code: '29', ja: '奈良県', en: 'Nara', region: 'kinki' },
  { code: '30', ja: '和歌山県', en: 'Wakayama', region: 'kinki' },
  { code: '31', ja: '鳥取県', en: 'Tottori', region: 'chugoku' },
  { code: '32', ja: '島根県', en: 'Shimane', region: 'chugoku' },
  { code: '33', ja: '岡山県', en: 'Okayama', region: 'chugoku' },
  { code: '34', ja: '広島県', en: 'Hiroshima', region: 'chugoku' },
  { code: '35', ja: '山口県', en: 'Yamaguchi', region: 'chugoku' },
  { code: '36', ja: '徳島県', en: 'Tokushima', region: 'shikoku' },
  { code: '37', ja: '香川県', en: 'Kagawa', region: 'shikoku' },
  { code: '38', ja: '愛媛県', en: 'Ehime', region: 'shikoku' },
  { code: '39', ja: '高知県', en: 'Kochi', region: 'shikoku' },
  { code: '40', ja: '福岡県', en: 'Fukuoka', region: 'kyushu' },
  { code: '41', ja: '佐賀県', en: 'Saga', region: 'kyushu' },
  { code: '42', ja: '長崎県', en: 'Nagasaki', region: 'kyushu' },
  { code: '43', ja: '熊本県', en: 'Kumamoto', region: 'kyushu' },
  { code: '44', ja: '大分県', en: 'Oita', region: 'kyushu' },
  { code: '45', ja: '宮崎県', en: 'Miyazaki', region: 'kyushu' },
  { code: '46', ja: '鹿児島県', en: 'Kagoshima', region: 'kyushu' },
  { code: '47', ja: '沖縄県', en: 'Okinawa', region: 'kyushu' },
] as const;

export type PrefectureCode = (typeof PREFECTURES)[number]['code'];
export const PREFECTURE_CODES: readonly PrefectureCode[] = PREFECTURES.map((p) => p.code);
/** A JIS X 0401 prefecture code as the wire carries it. */
export const PREFECTURE_PATTERN = '^(0[1-9]|[1-3][0-9]|4[0-7])$';

const BY_CODE = new Map<string, (typeof PREFECTURES)[number]>(PREFECTURES.map((p) => [p.code, p]));

/** The prefecture of a code, or undefined when it is none of the 47. */
export function prefectureOf(code: string): (typeof PREFECTURES)[number] | undefined {
  return BY_CODE.get(code);
}

/**
 * The code for what an operator typed: a code ('13', '1'), or a name in Japanese or English with or
 * without its suffix ('東京都', '東京', 'Tokyo', 'tokyo-to'); undefined when none matches.
 */
export function resolvePrefecture(input: string): PrefectureCode | undefined {
  const text = input.trim();
  if (/^\d{1,2}$/.test(text)) return prefectureOf(text.padStart(2, '0'))?.code;
  const lower = text.toLowerCase();
  const latin = lower.replace(/[-\s]+(to|fu|ken)$/, '');
  return PREFECTURES.find(
    (p) =>
      p.ja === text ||
      p.ja.replace(/[都府県]$/, '') === text ||
      p.en.toLowerCase() === lower ||
      p.en.toLowerCase() === latin,
  )?.code;
}
