import en from './messages/en.json';
import ja from './messages/ja.json';

/** The dashboard's languages: Japanese first (ops staff are Japanese), English on a toggle. */
export const DASHBOARD_LANGUAGES = ['ja', 'en'] as const;
export type DashboardLanguage = (typeof DASHBOARD_LANGUAGES)[number];

export type Catalogue = Readonly<Record<string, string>>;
export const CATALOGUES: Readonly<Record<DashboardLanguage, Catalogue>> = { ja, en };

/** Operators work on Japan time whatever the browser's zone. */
const TIME_ZONE = 'Asia/Tokyo';

/** Texts and formats of one language. Unknown keys come back as the key, so a gap is visible, never blank. */
export class Translator {
  private readonly catalogue: Catalogue;
  private readonly clock: Intl.DateTimeFormat;
  private readonly dateTime: Intl.DateTimeFormat;
  private readonly relative: Intl.RelativeTimeFormat;
  private readonly number: Intl.NumberFormat;

  constructor(readonly language: DashboardLanguage) {
    this.catalogue = CATALOGUES[language];
    // 24-hour clock in both languages: operators compare times across shifts.
    this.clock = new Intl.DateTimeFormat(language, {
      timeZone: TIME_ZONE,
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    });
    this.dateTime = new Intl.DateTimeFormat(language, {
      timeZone: TIME_ZONE,
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    this.relative = new Intl.RelativeTimeFormat(language, { numeric: 'always', style: 'short' });
    this.number = new Intl.NumberFormat(language);
  }

  /** The text of `key` with `{name}` placeholders filled. */
  t(key: string, params: Readonly<Record<string, string | number>> = {}): string {
    const text = this.catalogue[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = params[name];
      return value === undefined ? whole : String(value);
    });
  }

  /** Whether the catalogue has `key` (for optional texts such as an unknown cause). */
  has(key: string): boolean {
    return Object.hasOwn(this.catalogue, key);
  }

  /** HH:mm, Japan time. */
  clockTime(epochMs: number): string {
    return this.clock.format(epochMs);
  }

  /** M/D HH:mm:ss, Japan time. */
  timestamp(epochMs: number): string {
    return this.dateTime.format(epochMs);
  }

  /** "12 sec. ago" / "12 秒前", from the server's clock so browser clock errors do not show. */
  ago(epochMs: number, serverNow: number): string {
    const seconds = Math.max(0, Math.round((serverNow - epochMs) / 1000));
    if (seconds < 60) return this.relative.format(-seconds, 'second');
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return this.relative.format(-minutes, 'minute');
    const hours = Math.round(minutes / 60);
    if (hours < 48) return this.relative.format(-hours, 'hour');
    return this.relative.format(-Math.round(hours / 24), 'day');
  }

  count(value: number): string {
    return this.number.format(value);
  }
}

/** The language from a stored or requested value, Japanese when there is none or it is unknown. */
export function pickLanguage(...candidates: (string | null | undefined)[]): DashboardLanguage {
  for (const candidate of candidates) {
    const found = DASHBOARD_LANGUAGES.find((language) => language === candidate);
    if (found) return found;
  }
  return 'ja';
}
