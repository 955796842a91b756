import type { AlertDetailKey, AlertDetailParams, AlertDetailParamsOf } from '../contract';

/**
 * An alert's detail in both forms: the key and params operators' dashboards translate, and the
 * English text the API keeps in `detail` for the CLI and older clients (same facts, one source).
 */
export interface AlertDetail {
  detail: string;
  detailKey: AlertDetailKey;
  detailParams: AlertDetailParams;
}

/** A detail as stored (its key may be `''` for alerts stored before keys existed). */
type StoredDetail = Pick<AlertDetail, 'detail' | 'detailParams'> & { detailKey: string };

type EnglishTexts = { [K in AlertDetailKey]: (params: AlertDetailParamsOf<K>) => string };

const ENGLISH: EnglishTexts = {
  'no-heartbeat': (p) => `no heartbeat for more than ${p.seconds} s`,
  'reader-absent': () => 'reader: absent',
  'reader-unavailable': () => 'reader: unavailable',
  'reader-reported': () => 'reported by the kiosk',
  'card-on-reader': () => 'a card is still on the reader',
  'settlement-not-recorded': () =>
    "a reset's completion or release has not reached the API yet (the kiosk keeps it and retries)",
  'reset-outcome-uncertain': () => 'a reset interrupted by a crash may or may not have reached the card',
  'outbox-rejected': () => 'the API refused a message from the kiosk for good',
  'unknown-kiosk-alerts': (p) => `reported: ${p.names}`,
  'failed-sessions': (p) => `${p.count} device or service failures in ${p.minutes} min`,
  'unusual-customer-pattern': (p) =>
    `${p.count} sessions ended on a blocked PIN or a card mismatch at this kiosk in ${p.minutes} min`,
  'clock-ahead': (p) => `kiosk clock ahead of the server by more than ${p.seconds} s`,
  'clock-behind': (p) => `kiosk clock behind the server by more than ${p.seconds} s`,
  'blocked-pin-spike': (p) => `${p.count} sessions ended on a blocked PIN in ${p.minutes} min`,
  'reset-refused-spike': (p) => `${p.count} cards refused the reset in ${p.minutes} min`,
  'card-mismatch': (p) =>
    `${p.count} requests stated another card than the one whose PIN they proved in ${p.minutes} min`,
};

/** The detail of `key` with its params, English text included (cut to the contract's 200 chars). */
export function alertDetail<K extends AlertDetailKey>(key: K, params: AlertDetailParamsOf<K>): AlertDetail {
  return { detail: ENGLISH[key](params).slice(0, 200), detailKey: key, detailParams: params };
}

/** Whether two details say the same (the alert need not be updated). */
export function sameDetail(a: StoredDetail, b: StoredDetail): boolean {
  return a.detail === b.detail && a.detailKey === b.detailKey && sameParams(a.detailParams, b.detailParams);
}

function sameParams(a: AlertDetailParams, b: AlertDetailParams): boolean {
  const keys = Object.keys(a);
  const other = b as Record<string, unknown>;
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => (a as Record<string, unknown>)[key] === other[key])
  );
}
