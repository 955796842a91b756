import type { FleetAlert } from '../../contract';
import type { Translator } from './i18n';

/** An alert's detail as shown, and the language it is in (for the element's `lang`). */
export interface ShownDetail {
  text: string;
  lang: string;
}

/**
 * The alert's detail in the operator's language, from `detail.<detailKey>` with its params
 * (numbers formatted for the language). Falls back to the API's English `detail` when the key is
 * empty (stored before keys existed) or newer than this page's catalogue. Null when there is none.
 */
export function shownDetail(t: Translator, alert: FleetAlert): ShownDetail | null {
  const key = `detail.${alert.detailKey}`;
  if (alert.detailKey !== '' && t.has(key)) {
    const params = Object.fromEntries(
      Object.entries(alert.detailParams).map(([name, value]) => [
        name,
        typeof value === 'number' ? t.count(value) : value,
      ]),
    );
    return { text: t.t(key, params), lang: t.language };
  }
  return alert.detail ? { text: alert.detail, lang: 'en' } : null;
}
